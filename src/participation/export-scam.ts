import type ExcelJS from 'exceljs';
import { DIMENSION_LABELS, SCAM_LABELS, TOTAL_LABEL } from './labels.js';
import { REPORTED_VERDICTS, type ScamReport } from './scam-stats.js';

const BOLD = { bold: true } as const;

/** Sheet "Kiểm tra tin lừa đảo": checks per channel and verdict, then how often each kind of signal was found. */
export function writeScamSheet(wb: ExcelJS.stream.xlsx.WorkbookWriter, scam: ScamReport): void {
  const ws = wb.addWorksheet(SCAM_LABELS.title);
  ws.columns = [{ width: 40 }, ...REPORTED_VERDICTS.map(() => ({ width: 20 })), { width: 12 }];
  const header = (cells: string[]) => {
    const r = ws.addRow(cells);
    r.font = BOLD;
    r.commit();
  };
  const title = ws.addRow([`${SCAM_LABELS.title} — theo kênh và ${SCAM_LABELS.verdict.toLowerCase()}`]);
  title.font = { bold: true, size: 13 };
  title.commit();
  header([DIMENSION_LABELS.channel, ...REPORTED_VERDICTS.map((v) => scam.labels.verdicts[v] ?? v), TOTAL_LABEL]);
  for (const c of scam.byChannel) ws.addRow([c.label, ...REPORTED_VERDICTS.map((v) => c.verdicts[v] ?? 0), c.total]).commit();
  const total = ws.addRow([TOTAL_LABEL, ...REPORTED_VERDICTS.map((v) => scam.byVerdict[v] ?? 0), scam.total]);
  total.font = BOLD;
  total.commit();
  ws.addRow([]).commit();
  header([SCAM_LABELS.signal, SCAM_LABELS.count]);
  for (const s of scam.bySignal) ws.addRow([s.label, s.count]).commit();
  ws.addRow([]).commit();
  ws.addRow(['Ghi chú: chỉ đếm kết luận và loại dấu hiệu; nội dung tin nhắn và ảnh người dân gửi không được lưu.']).commit();
  ws.commit();
}
