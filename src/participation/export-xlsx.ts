import type { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import type { EventFilter } from '../storage/types.js';
import {
  EVENT_HEADERS, SUMMARY_HEADERS, XLSX_MAX_DATA_ROWS, eventFormatter, pace, sheetSink, type EventSource, type ExportContext, type ExportMeta,
} from './export.js';
import { VN_OFFSET_MS, computeStats, vnDateLabel, vnDateTimeLabel, vnDay, type Row, type StatsReport, type TableRow } from './stats.js';
import { CHANNEL_LABELS, METRIC_LABELS, METRIC_NOTES, REPORT_METRICS, TOTAL_LABEL, UNKNOWN_UNIT, UNREGISTERED } from './labels.js';
import { writeScamSheet } from './export-scam.js';

const BOLD = { bold: true } as const;
const HEADER_FILL = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFDDEBF7' } } as const;
const SUBTOTAL_FILL = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFF2F2F2' } } as const;
const THIN = { style: 'thin', color: { argb: 'FFBFBFBF' } } as const;
const BORDER = { top: THIN, left: THIN, bottom: THIN, right: THIN } as const;

function describeFilter(meta: ExportMeta, unitLabel?: string): [string, string][] {
  const period = meta.fromDay || meta.toDay
    ? `${meta.fromDay ? `từ ${vnDateLabel(meta.fromDay)}` : 'từ khi bắt đầu'} đến ${vnDateLabel(meta.toDay ?? vnDay(meta.generatedAt))}`
    : `toàn bộ thời gian, đến ${vnDateLabel(vnDay(meta.generatedAt))}`;
  return [
    ['Kỳ báo cáo', period],
    ['Tổ chức', meta.organisation ?? 'Tất cả'],
    ['Xã/phường', unitLabel ?? meta.unit ?? 'Tất cả'],
    ['Kênh', meta.channel ? CHANNEL_LABELS[meta.channel] ?? meta.channel : 'Tất cả'],
  ];
}

/**
 * Sheet "Tổng hợp" (the yearly-report table) and sheet "Sự kiện" (pseudonymised rows), streamed
 * with exceljs' WorkbookWriter: rows are committed as they are written, never held all at once.
 * Returns the number of event rows written.
 */
export async function writeXlsx(
  out: Writable, storage: EventSource, filter: EventFilter, ctx: ExportContext, meta: ExportMeta, signal?: AbortSignal,
  maxRowsPerSheet = XLSX_MAX_DATA_ROWS,
): Promise<number> {
  const report = await computeStats(storage, filter, { ...ctx, fromDay: meta.fromDay, toDay: meta.toDay }, signal);
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
  wb.creator = 'Chatbot Bình dân học vụ số Lai Châu';
  wb.created = meta.generatedAt;

  writeSummarySheet(wb, report, ctx, meta);
  writeScamSheet(wb, report.scam);
  const rows = await writeEventSheets(wb, out, storage, filter, ctx, maxRowsPerSheet, signal);
  await wb.commit();
  return rows;
}

function writeSummarySheet(wb: ExcelJS.stream.xlsx.WorkbookWriter, report: StatsReport, ctx: ExportContext, meta: ExportMeta): void {
  const ws = wb.addWorksheet('Tổng hợp', { pageSetup: { orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0 } });
  ws.columns = [{ width: 26 }, { width: 24 }, ...REPORT_METRICS.map(() => ({ width: 14 }))];
  const unitLabel = meta.unit ? ctx.units?.find((u) => u.name === meta.unit)?.label : undefined;
  const title = ws.addRow(['BÁO CÁO KẾT QUẢ THAM GIA PHONG TRÀO THI ĐUA ĐỔI MỚI SÁNG TẠO VÀ CHUYỂN ĐỔI SỐ QUA CHATBOT']);
  title.font = { bold: true, size: 13 };
  title.commit();
  ws.addRow(['Tỉnh Lai Châu — số liệu do chatbot tự động ghi nhận']).commit();
  ws.addRow([]).commit();
  for (const [k, v] of describeFilter(meta, unitLabel)) {
    const r = ws.addRow([k, v]);
    r.getCell(1).font = BOLD;
    r.commit();
  }
  const extra: [string, string | number][] = [
    [METRIC_LABELS.reached, report.totals.reached],
    [METRIC_LABELS.webSessions, report.totals.webSessions],
    [METRIC_LABELS.feedbackHelpful, report.totals.feedbackHelpful],
    [METRIC_LABELS.feedbackUnhelpful, report.totals.feedbackUnhelpful],
    ['Ngày lập', `${vnDateTimeLabel(meta.generatedAt)} (giờ Việt Nam)`],
  ];
  if (meta.generatedBy) extra.push(['Người lập', meta.generatedBy]);
  for (const [k, v] of extra) {
    const r = ws.addRow([k, v]);
    r.getCell(1).font = BOLD;
    if (typeof v === 'number') r.getCell(2).alignment = { horizontal: 'left' };
    r.commit();
  }
  ws.addRow([]).commit();

  writeSummaryTable(ws, report);
  ws.addRow([]).commit();
  const notes = [
    'Ghi chú:',
    ...Object.entries(METRIC_NOTES).map(([m, note]) => `- ${METRIC_LABELS[m as keyof typeof METRIC_LABELS]}: ${note}`),
    `- "${UNREGISTERED}": hoạt động của người chưa đăng ký hoặc không đồng ý cho lưu thông tin (chỉ được đếm, không gắn với người nào).`,
    `- "${UNKNOWN_UNIT}": người đã đăng ký tổ chức nhưng chưa chọn xã/phường.`,
  ];
  for (const n of notes) ws.addRow([n]).commit();
  ws.commit();
}

/** The organisation × commune table, with subtotals and the grand total. */
function writeSummaryTable(ws: ExcelJS.Worksheet, report: StatsReport): void {
  const header = ws.addRow([...SUMMARY_HEADERS]);
  header.eachCell((c) => { c.font = BOLD; c.fill = HEADER_FILL; c.border = BORDER; c.alignment = { wrapText: true, vertical: 'middle', horizontal: 'center' }; });
  header.height = 32;
  header.commit();

  const addData = (label: string, unit: string, r: Row, style?: 'subtotal' | 'total') => {
    // Numbers stay numbers (the rate a fraction shown as a percentage), so that staff can sum and sort them.
    const row = ws.addRow([label, unit, ...REPORT_METRICS.map((m) => r[m] ?? '')]);
    row.eachCell({ includeEmpty: true }, (c, col) => {
      c.border = BORDER;
      if (REPORT_METRICS[col - 3] === 'passRate') c.numFmt = '0.0%';
      else if (col >= 3) c.numFmt = '#,##0';
      if (style) { c.font = BOLD; c.fill = SUBTOTAL_FILL; }
    });
    row.commit();
  };

  // Rows grouped by organisation, with a subtotal when an organisation spans several communes.
  const orgTotals = new Map(report.byOrganisation.map((o) => [o.organisation, o]));
  let i = 0;
  const table = report.table;
  while (i < table.length) {
    const org = table[i]!.organisation;
    const group: TableRow[] = [];
    while (i < table.length && table[i]!.organisation === org) group.push(table[i++]!);
    for (const r of group) addData(r.organisation, r.unitLabel, r);
    const sub = orgTotals.get(org);
    if (group.length > 1 && sub) addData(`Cộng ${org}`, '', sub, 'subtotal');
  }
  addData(TOTAL_LABEL, '', report.totals, 'total');

}

async function writeEventSheets(
  wb: ExcelJS.stream.xlsx.WorkbookWriter, out: Writable, storage: EventSource, filter: EventFilter, ctx: ExportContext,
  maxRows: number, signal?: AbortSignal,
): Promise<number> {
  const fmt = eventFormatter(ctx);
  let sheetNo = 0;
  let ws: ExcelJS.Worksheet | undefined;
  let inSheet = 0;
  const openSheet = () => {
    ws?.commit();
    sheetNo++;
    ws = wb.addWorksheet(sheetNo === 1 ? 'Sự kiện' : `Sự kiện (${sheetNo})`, { views: [{ state: 'frozen', ySplit: 1 }] });
    ws.columns = [
      { width: 20, style: { numFmt: 'dd/mm/yyyy hh:mm:ss' } }, { width: 26 }, { width: 11 }, { width: 26 }, { width: 22 },
      { width: 20 }, { width: 30 }, { width: 7 }, { width: 7 }, { width: 7 }, { width: 20 }, { width: 40 },
    ];
    const h = ws.addRow([...EVENT_HEADERS]);
    h.font = BOLD;
    h.fill = HEADER_FILL;
    h.commit();
    inSheet = 0;
  };
  openSheet();

  let n = 0;
  for await (const e of storage.iterateEvents(filter)) {
    if (inSheet === maxRows) openSheet();
    const v = fmt(e);
    // Excel dates carry no zone: shift to Vietnam wall-clock time so the cell shows local time.
    ws!.addRow([new Date(e.at.getTime() + VN_OFFSET_MS), v.type, v.channel, v.userKey, v.organisation, v.unit, v.quiz,
      v.score ?? '', v.total ?? '', v.passed, v.verdict, v.signals]).commit();
    inSheet++;
    if (++n % 1000 === 0) await pace(out, signal, [sheetSink(ws!)]);
  }
  ws!.commit();
  return n;
}
