import type { Writable } from 'node:stream';
import type ExcelJS from 'exceljs';
import type { EventFilter, StoredEvent } from '../storage/types.js';
import type { ParticipationStore } from '../storage/ports.js';

/** Where reports read events from. */
export type EventSource = Pick<ParticipationStore, 'iterateEvents'>;
import { vnDateTimeLabel, vnDay, yieldToLoop, type Row, type StatsContext, type StatsReport } from './stats.js';
import { CHANNEL_LABELS, DIMENSION_LABELS, EVENT_LABELS, METRIC_LABELS, REPORT_METRICS, SCAM_LABELS, SIGNAL_LABELS, TOTAL_LABEL, VERDICT_LABELS } from './labels.js';

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

export const SUMMARY_HEADERS = [DIMENSION_LABELS.organisation, DIMENSION_LABELS.unit, ...REPORT_METRICS.map((m) => METRIC_LABELS[m])] as const;

export const EVENT_HEADERS = [
  'Thời gian (giờ Việt Nam)', 'Loại sự kiện', DIMENSION_LABELS.channel, 'Mã người dùng', DIMENSION_LABELS.organisation, DIMENSION_LABELS.unit,
  DIMENSION_LABELS.quiz, 'Điểm', 'Tổng', 'Đạt', SCAM_LABELS.verdict, SCAM_LABELS.signal,
] as const;

/**
 * CSV for Excel with Vietnamese regional settings (list separator ";", decimal comma), the way staff open it:
 * a double click splits the columns and reads "66,7%" as a number. UTF-8 with a BOM for the diacritics; no
 * "sep=" line, because Excel then ignores the BOM and garbles Vietnamese (see docs/admin.md).
 */
export const CSV_SEPARATOR = ';';

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
  if (typeof v === 'number') return Number.isFinite(v) ? String(v).replace('.', ',') : '';
  const s = spreadsheetText(v);
  return /[";\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * A text as both exports write it: one starting with = + - @ (or tab/CR) gets a leading apostrophe, so no
 * spreadsheet evaluates it, and a pseudonym reads the same in the CSV and in the Excel file.
 */
export function spreadsheetText(s: string): string {
  return /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
}

export function csvLine(fields: (string | number | null | undefined)[]): string {
  return `${fields.map(csvField).join(CSV_SEPARATOR)}\r\n`;
}

function percentText(rate: number | null): string {
  return rate === null ? '' : `${(rate * 100).toFixed(1).replace('.', ',')}%`;
}

/**
 * Waits until `out` (and any `inner` stage) can take more, or lets the event loop run (zlib,
 * sockets) if they already can. SQLite pages are read synchronously, so without this an export
 * would never give the output a chance to flush and would pile up in memory.
 */
export async function pace(out: Writable, signal?: AbortSignal, inner: (Writable | undefined)[] = []): Promise<void> {
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
export function sheetSink(ws: ExcelJS.Worksheet): Writable | undefined {
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
  return [label, unit, ...REPORT_METRICS.map((m) => (m === 'passRate' ? percentText(r.passRate) : r[m]))];
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
  await sink.line(summaryValues(TOTAL_LABEL, '', report.totals));
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
    await sink.line([vnDateTimeLabel(e.at), v.type, v.channel, v.userKey, v.organisation, v.unit, v.quiz, v.score, v.total, v.passed, v.verdict, v.signals]);
    n++;
  }
  await sink.flush();
  out.end();
  return n;
}

export function eventFormatter(ctx: ExportContext) {
  const unitLabel = new Map((ctx.units ?? []).map((u) => [u.name, u.label]));
  return (e: StoredEvent) => ({
    type: EVENT_LABELS[e.type] ?? e.type,
    channel: CHANNEL_LABELS[e.channel] ?? e.channel,
    // Only the pseudonymous key is ever stored; platform ids never reach the events table.
    userKey: e.userKey ? spreadsheetText(e.userKey) : '',
    organisation: e.organisation ?? '',
    unit: e.unit ? unitLabel.get(e.unit) ?? e.unit : '',
    quiz: e.quizId ? ctx.quizTitles?.get(e.quizId) ?? e.quizId : '',
    score: e.score ?? null,
    total: e.total ?? null,
    passed: e.passed === null || e.passed === undefined ? '' : e.passed ? 'Có' : 'Không',
    verdict: e.verdict ? VERDICT_LABELS[e.verdict] ?? e.verdict : '',
    signals: (e.signals ?? []).map((x) => SIGNAL_LABELS[x] ?? x).join(', '),
  });
}

// ---------------------------------------------------------------------------------------------
// XLSX
