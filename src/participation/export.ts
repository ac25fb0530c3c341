import type { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import type { EventFilter, StoredEvent } from '../storage/types.js';
import type { ParticipationStore } from '../storage/ports.js';

/** Where reports read events from. */
type EventSource = Pick<ParticipationStore, 'iterateEvents'>;
import {
  CHANNEL_LABELS, EVENT_LABELS, UNKNOWN_UNIT, UNREGISTERED, VN_OFFSET_MS, computeStats, vnDateLabel, vnDateTime, vnDay,
  yieldToLoop, type Row, type StatsContext, type StatsReport, type TableRow,
} from './stats.js';

/** What the export is about, for the header block, the file name and the audit log. */
export interface ExportMeta {
  fromDay?: string;
  toDay?: string;
  organisation?: string;
  unit?: string;
  channel?: string;
  generatedAt: Date;
  generatedBy?: string;
}

export type ExportContext = Omit<StatsContext, 'filter' | 'fromDay' | 'toDay'>;

export const SUMMARY_HEADERS = [
  'Tổ chức', 'Xã/phường', 'Người tham gia (đã đăng ký)', 'Câu hỏi được trả lời', 'Câu hỏi chưa có câu trả lời',
  'Lượt làm bài kiểm tra', 'Bài đạt', 'Tỷ lệ đạt', 'Lượt đăng ký',
] as const;

export const EVENT_HEADERS = [
  'Thời gian (Asia/Ho_Chi_Minh)', 'Loại sự kiện', 'Kênh', 'Mã người dùng', 'Tổ chức', 'Xã/phường',
  'Bài kiểm tra', 'Điểm', 'Tổng', 'Đạt',
] as const;

/** Excel's hard limit is 1,048,576 rows per sheet; one goes to the header. */
export const XLSX_MAX_DATA_ROWS = 1_048_575;

export class ExportAborted extends Error {
  constructor() { super('export aborted: the client went away'); }
}

// ---------------------------------------------------------------------------------------------
// Small helpers

/** ASCII-only slug of a Vietnamese text: "Hội Nông dân" -> "hoi-nong-dan". */
export function asciiSlug(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').replace(/[đĐ]/g, 'd').toLowerCase()
    .replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40);
}

/** File name safe in any Content-Disposition: bao-cao-phong-trao-2026-01-01_2026-11-27[-hoi-nong-dan].xlsx */
export function exportFileName(kind: 'summary' | 'events', meta: ExportMeta, ext: 'xlsx' | 'csv'): string {
  const base = kind === 'summary' ? 'bao-cao-phong-trao' : 'su-kien-phong-trao';
  const parts = [`${base}-${meta.fromDay ?? 'tu-dau'}_${meta.toDay ?? vnDay(meta.generatedAt)}`];
  for (const v of [meta.organisation, meta.unit, meta.channel]) if (v) parts.push(asciiSlug(v));
  return `${parts.filter(Boolean).join('-')}.${ext}`;
}

/**
 * One CSV field per RFC 4180, also defused against formula injection: a text starting with
 * = + - @ (or tab/CR, which some spreadsheet apps strip first) gets a leading apostrophe so that
 * it is shown, never evaluated. Numbers are written as numbers.
 */
export function csvField(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  let s = v;
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(fields: (string | number | null | undefined)[]): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}

function percentText(rate: number | null): string {
  return rate === null ? '' : `${(rate * 100).toFixed(1)}%`;
}

/**
 * Waits until `out` (and any `inner` stage) can take more, or lets the event loop run (zlib,
 * sockets) if they already can. SQLite pages are read synchronously, so without this an export
 * would never give the output a chance to flush and would pile up in memory.
 */
async function pace(out: Writable, signal?: AbortSignal, inner: (Writable | undefined)[] = []): Promise<void> {
  if (signal?.aborted || out.destroyed) throw new ExportAborted();
  const full = [out, ...inner].find((w) => w && !w.destroyed && needsDrain(w));
  if (!full) return yieldToLoop();
  await new Promise<void>((resolve, reject) => {
    const off = () => { full.off('drain', done); out.off('close', closed); full.off('close', closed); };
    const done = () => { off(); resolve(); };
    const closed = () => { off(); reject(new ExportAborted()); };
    full.on('drain', done);
    out.on('close', closed);
    if (full !== out) full.on('close', closed);
  });
}

/**
 * exceljs' streaming worksheet writes into its zip entry (a deflate stream) without looking at the
 * return value of write(), so the compressor's input can grow without bound while rows are produced
 * faster than they are deflated. Returns that deflate stream, to wait on it like on the response.
 * Relies on exceljs 4 internals (StreamBuf.pipes); if they change this returns undefined and only
 * the response's backpressure is honoured.
 */
function sheetSink(ws: ExcelJS.Worksheet): Writable | undefined {
  const stream = (ws as unknown as { stream?: { pipes?: unknown[] } }).stream;
  const target = stream?.pipes?.[0] as Writable | undefined;
  return target && typeof target.on === 'function' && needsDrain(target) !== undefined ? target : undefined;
}

/** writableNeedDrain, also for the readable-stream 2 streams inside archiver (which lack the getter). */
function needsDrain(w: Writable): boolean | undefined {
  return w.writableNeedDrain ?? (w as unknown as { _writableState?: { needDrain?: boolean } })._writableState?.needDrain;
}

/** Buffers small CSV lines into ~64 KB writes and honours backpressure. */
class CsvSink {
  private buf = '';
  constructor(private out: Writable, private signal?: AbortSignal) {}
  async line(fields: (string | number | null | undefined)[]): Promise<void> {
    this.buf += csvLine(fields);
    if (this.buf.length >= 65536) await this.flush();
  }
  async flush(): Promise<void> {
    if (!this.buf) return;
    const chunk = this.buf;
    this.buf = '';
    this.out.write(chunk);
    await pace(this.out, this.signal);
  }
}

function summaryValues(label: string, unit: string, r: Row): (string | number)[] {
  return [label, unit, r.participants, r.answered, r.unanswered, r.quizCompleted, r.quizPassed, percentText(r.passRate), r.registrations];
}

/**
 * Events for the period are read up to the moment the export starts, so that the two passes of an
 * XLSX export (statistics, then rows) see the same events even while the bot keeps recording.
 */
export function frozenFilter(filter: EventFilter, now: Date): EventFilter {
  return { ...filter, to: filter.to && filter.to < now ? filter.to : now };
}

// ---------------------------------------------------------------------------------------------
// CSV

/** The aggregated table (organisation × commune) with a totals row. */
export async function writeSummaryCsv(out: Writable, report: StatsReport, signal?: AbortSignal): Promise<void> {
  const sink = new CsvSink(out, signal);
  out.write('\uFEFF');
  await sink.line([...SUMMARY_HEADERS]);
  for (const r of report.table) await sink.line(summaryValues(r.organisation, r.unitLabel, r));
  await sink.line(summaryValues('Tổng cộng', '', report.totals));
  await sink.flush();
  out.end();
}

/** One line per event, streamed from storage. */
export async function writeEventsCsv(out: Writable, storage: EventSource, filter: EventFilter, ctx: ExportContext, signal?: AbortSignal): Promise<number> {
  const sink = new CsvSink(out, signal);
  const fmt = eventFormatter(ctx);
  out.write('\uFEFF');
  await sink.line([...EVENT_HEADERS]);
  let n = 0;
  for await (const e of storage.iterateEvents(filter)) {
    const v = fmt(e);
    await sink.line([vnDateTime(e.at), v.type, v.channel, v.userKey, v.organisation, v.unit, v.quiz, v.score, v.total, v.passed]);
    n++;
  }
  await sink.flush();
  out.end();
  return n;
}

function eventFormatter(ctx: ExportContext) {
  const unitLabel = new Map((ctx.units ?? []).map((u) => [u.name, u.label]));
  return (e: StoredEvent) => ({
    type: EVENT_LABELS[e.type] ?? e.type,
    channel: CHANNEL_LABELS[e.channel] ?? e.channel,
    // Only the pseudonymous key is ever stored; platform ids never reach the events table.
    userKey: e.userKey ?? '',
    organisation: e.organisation ?? '',
    unit: e.unit ? unitLabel.get(e.unit) ?? e.unit : '',
    quiz: e.quizId ? ctx.quizTitles?.get(e.quizId) ?? e.quizId : '',
    score: e.score ?? null,
    total: e.total ?? null,
    passed: e.passed === null || e.passed === undefined ? '' : e.passed ? 'Có' : 'Không',
  });
}

// ---------------------------------------------------------------------------------------------
// XLSX

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
  const rows = await writeEventSheets(wb, out, storage, filter, ctx, maxRowsPerSheet, signal);
  await wb.commit();
  return rows;
}

function writeSummarySheet(wb: ExcelJS.stream.xlsx.WorkbookWriter, report: StatsReport, ctx: ExportContext, meta: ExportMeta): void {
  const ws = wb.addWorksheet('Tổng hợp', { pageSetup: { orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0 } });
  ws.columns = [
    { width: 26 }, { width: 24 }, { width: 16 }, { width: 14 }, { width: 16 }, { width: 14 }, { width: 10 }, { width: 10 }, { width: 12 },
  ];
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
    ['Người được tiếp cận', report.totals.reached],
    ['Đánh giá câu trả lời', `${report.totals.feedbackHelpful} hữu ích, ${report.totals.feedbackUnhelpful} chưa hữu ích`],
    ['Ngày lập', `${vnDateTime(meta.generatedAt)} (giờ Việt Nam)`],
  ];
  if (meta.generatedBy) extra.push(['Người lập', meta.generatedBy]);
  for (const [k, v] of extra) {
    const r = ws.addRow([k, v]);
    r.getCell(1).font = BOLD;
    if (typeof v === 'number') r.getCell(2).alignment = { horizontal: 'left' };
    r.commit();
  }
  ws.addRow([]).commit();

  const header = ws.addRow([...SUMMARY_HEADERS]);
  header.eachCell((c) => { c.font = BOLD; c.fill = HEADER_FILL; c.border = BORDER; c.alignment = { wrapText: true, vertical: 'middle', horizontal: 'center' }; });
  header.height = 32;
  header.commit();

  const addData = (label: string, unit: string, r: Row, style?: 'subtotal' | 'total') => {
    const row = ws.addRow([label, unit, r.participants, r.answered, r.unanswered, r.quizCompleted, r.quizPassed, r.passRate ?? '', r.registrations]);
    row.eachCell({ includeEmpty: true }, (c, col) => {
      c.border = BORDER;
      if (col === 8) c.numFmt = '0.0%';
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
  addData('Tổng cộng', '', report.totals, 'total');

  ws.addRow([]).commit();
  const notes = [
    'Ghi chú:',
    '- Người tham gia (đã đăng ký): số người đã đồng ý cho lưu thông tin và có hoạt động trong kỳ, mỗi người chỉ đếm một lần.',
    '- Lượt làm bài kiểm tra: số bài kiểm tra đã làm xong; Bài đạt: số bài đạt yêu cầu; Tỷ lệ đạt = Bài đạt / Lượt làm bài kiểm tra.',
    `- "${UNREGISTERED}": hoạt động của người chưa đăng ký hoặc không đồng ý cho lưu thông tin (chỉ được đếm, không gắn với người nào).`,
    `- "${UNKNOWN_UNIT}": người đã đăng ký tổ chức nhưng chưa chọn xã/phường.`,
    '- Người được tiếp cận: số lượt người bắt đầu trò chuyện với chatbot trong kỳ (kể cả người chưa đăng ký).',
  ];
  for (const n of notes) ws.addRow([n]).commit();
  ws.commit();
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
      { width: 20 }, { width: 30 }, { width: 7 }, { width: 7 }, { width: 7 },
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
      v.score ?? '', v.total ?? '', v.passed]).commit();
    inSheet++;
    if (++n % 1000 === 0) await pace(out, signal, [sheetSink(ws!)]);
  }
  ws!.commit();
  return n;
}
