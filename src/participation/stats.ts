import type { EventFilter, StoredEvent } from '../storage/types.js';
import type { ParticipationStore } from '../storage/ports.js';
import { CHANNEL_LABELS, UNKNOWN_UNIT, UNREGISTERED } from './labels.js';
import { ScamTally, type ScamReport } from './scam-stats.js';

/** Where reports read events from. */
type EventSource = Pick<ParticipationStore, 'iterateEvents'>;

// Asia/Ho_Chi_Minh is UTC+7 all year (no daylight saving since 1975), so a fixed offset is exact
// and avoids a per-event Intl call in exports of millions of rows.
export const VN_OFFSET_MS = 7 * 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

/** Calendar day (YYYY-MM-DD) of an instant in Vietnam. */
export function vnDay(d: Date | number): string {
  return new Date(+d + VN_OFFSET_MS).toISOString().slice(0, 10);
}

/** "YYYY-MM-DD HH:mm:ss" in Vietnam time. */
export function vnDateTime(d: Date | number): string {
  const s = new Date(+d + VN_OFFSET_MS).toISOString();
  return `${s.slice(0, 10)} ${s.slice(11, 19)}`;
}

/** "01/12/2026 10:15:03" in Vietnam time: how exports write an instant. */
export function vnDateTimeLabel(d: Date | number): string {
  const s = vnDateTime(d);
  return `${vnDateLabel(s.slice(0, 10))} ${s.slice(11)}`;
}

/** First instant of a Vietnamese calendar day given as YYYY-MM-DD. */
export function vnDayStart(day: string): Date {
  return new Date(Date.parse(`${day}T00:00:00Z`) - VN_OFFSET_MS);
}

/** First instant after a Vietnamese calendar day: the exclusive upper bound that makes `to` inclusive. */
export function vnDayEnd(day: string): Date {
  return new Date(vnDayStart(day).getTime() + DAY_MS);
}

/** "27/11/2026" from "2026-11-27": how dates are written in Vietnamese reports. */
export function vnDateLabel(day: string): string {
  const [y, m, d] = day.split('-');
  return `${d}/${m}/${y}`;
}

export { CHANNEL_LABELS, EVENT_LABELS, UNKNOWN_UNIT, UNREGISTERED } from './labels.js';

export const REPORTED_CHANNELS = ['zalo', 'messenger', 'telegram', 'web'] as const;

export interface Counts {
  /** `contact` events on platform accounts (Zalo, Messenger, Telegram, ...): people reached. */
  reached: number;
  /**
   * `contact` events on the web chat: conversations started. The browser makes up its own id, so these are
   * sessions, not people; counted apart so that a flood of made-up ids cannot pass for people reached.
   */
  webSessions: number;
  answered: number;
  unanswered: number;
  quizStarted: number;
  quizCompleted: number;
  quizPassed: number;
  registrations: number;
  feedbackHelpful: number;
  feedbackUnhelpful: number;
  scamChecks: number;
  /** Distinct pseudonymous keys: people who consented and took part in the period. */
  participants: number;
}
export type Row = Counts & { passRate: number | null };

export interface OrgRow extends Row { organisation: string; registered: boolean }
export interface UnitRow extends Row { unit: string; label: string }
export interface ChannelRow extends Row { channel: string; label: string }
/** Per day without distinct people: a set of keys for every day would grow with the events, not with the people. */
export type DayRow = Omit<Row, 'participants'> & { date: string };
export interface TableRow extends Row { organisation: string; registered: boolean; unit: string; unitLabel: string }
export interface QuizRow { quizId: string; title: string; started: number; completed: number; passed: number; passRate: number | null; averagePercent: number | null }

export interface StatsReport {
  /** Number of events read. */
  events: number;
  totals: Row;
  byDay: DayRow[];
  byOrganisation: OrgRow[];
  byUnit: UnitRow[];
  byChannel: ChannelRow[];
  byQuiz: QuizRow[];
  /** The yearly-report table: organisation × commune, registered organisations first, "Chưa đăng ký" last. */
  table: TableRow[];
  scam: ScamReport;
}

/** What the aggregation needs to know to order and complete rows; all optional. */
export interface StatsContext {
  organisations?: readonly string[];
  units?: readonly { name: string; label: string }[];
  quizTitles?: ReadonlyMap<string, string>;
  /** Inclusive day range (YYYY-MM-DD) to fill the time series with zero days. */
  fromDay?: string;
  toDay?: string;
  /** Set when the query was restricted, so the breakdowns do not list every other value with zeros. */
  filter?: EventFilter;
}

class Bucket {
  constructor(private trackPeople = true) {}
  reached = 0; webSessions = 0; answered = 0; unanswered = 0; quizStarted = 0; quizCompleted = 0; quizPassed = 0;
  registrations = 0; feedbackHelpful = 0; feedbackUnhelpful = 0; scamChecks = 0;
  private keys?: Set<string>;

  add(e: StoredEvent): void {
    switch (e.type) {
      case 'contact': if (e.channel === 'web') this.webSessions++; else this.reached++; break;
      case 'question_answered': this.answered++; break;
      case 'question_unanswered': this.unanswered++; break;
      case 'quiz_started': this.quizStarted++; break;
      case 'quiz_completed': this.quizCompleted++; if (e.passed) this.quizPassed++; break;
      case 'registration': this.registrations++; break;
      case 'feedback_helpful': this.feedbackHelpful++; break;
      case 'feedback_unhelpful': this.feedbackUnhelpful++; break;
      case 'scam_check': this.scamChecks++; break;
    }
    if (e.userKey && this.trackPeople) (this.keys ??= new Set()).add(e.userKey);
  }

  row(): Row {
    return {
      reached: this.reached, webSessions: this.webSessions, answered: this.answered, unanswered: this.unanswered,
      quizStarted: this.quizStarted, quizCompleted: this.quizCompleted, quizPassed: this.quizPassed,
      registrations: this.registrations, feedbackHelpful: this.feedbackHelpful, feedbackUnhelpful: this.feedbackUnhelpful,
      scamChecks: this.scamChecks, participants: this.keys?.size ?? 0,
      passRate: passRate(this.quizPassed, this.quizCompleted),
    };
  }
}

export function passRate(passed: number, completed: number): number | null {
  return completed ? Math.round((passed / completed) * 10000) / 10000 : null;
}

interface QuizBucket { started: number; completed: number; passed: number; percentSum: number; scored: number }

/**
 * Builds every breakdown in one pass over the events. Memory is bounded by the number of distinct
 * groups and distinct consenting people, not by the number of events.
 */
export class StatsAggregator {
  private count = 0;
  private totals = new Bucket();
  private days = new Map<string, Bucket>();
  private orgs = new Map<string | null, Bucket>();
  private units = new Map<string | null, Bucket>();
  private channels = new Map<string, Bucket>();
  private quizzes = new Map<string, QuizBucket>();
  // Keyed "organisation\u0000unit" so one Map holds the two-level table.
  private table = new Map<string, Bucket>();
  private scam = new ScamTally();

  add(e: StoredEvent): void {
    this.count++;
    this.totals.add(e);
    this.scam.add(e);
    bucket(this.days, vnDay(e.at), false).add(e);
    bucket(this.orgs, e.organisation || null).add(e);
    bucket(this.units, e.unit || null).add(e);
    bucket(this.channels, e.channel).add(e);
    bucket(this.table, `${e.organisation || ''}\u0000${e.unit || ''}`).add(e);
    if (e.quizId && (e.type === 'quiz_started' || e.type === 'quiz_completed')) {
      let q = this.quizzes.get(e.quizId);
      if (!q) this.quizzes.set(e.quizId, (q = { started: 0, completed: 0, passed: 0, percentSum: 0, scored: 0 }));
      if (e.type === 'quiz_started') q.started++;
      else {
        q.completed++;
        if (e.passed) q.passed++;
        if (e.score != null && e.total) { q.percentSum += (e.score / e.total) * 100; q.scored++; }
      }
    }
  }

  result(ctx: StatsContext = {}): StatsReport {
    const f = ctx.filter ?? {};
    const orgOrder = ctx.organisations ?? [];
    const unitList = ctx.units ?? [];
    const unitLabel = new Map(unitList.map((u) => [u.name, u.label]));
    const label = (u: string | null) => (u ? unitLabel.get(u) ?? u : UNKNOWN_UNIT);

    // Known organisations and units are listed even with zero activity (a commune with nothing to
    // show is itself a finding), unless the query was narrowed to one of them.
    const orgKeys = ordered([...this.orgs.keys()], f.organisation ? [] : orgOrder);
    const byOrganisation: OrgRow[] = orgKeys.map((o) => ({
      organisation: o ?? UNREGISTERED, registered: o !== null, ...(this.orgs.get(o) ?? new Bucket()).row(),
    }));
    const unitKeys = ordered([...this.units.keys()], f.unit || f.organisation ? [] : unitList.map((u) => u.name));
    const byUnit: UnitRow[] = unitKeys.map((u) => ({ unit: u ?? '', label: label(u), ...(this.units.get(u) ?? new Bucket()).row() }));
    const channelKeys = ordered([...this.channels.keys()], f.channel ? [] : [...REPORTED_CHANNELS]).filter((c): c is string => c !== null);
    const byChannel: ChannelRow[] = channelKeys.map((c) => ({ channel: c, label: CHANNEL_LABELS[c] ?? c, ...(this.channels.get(c) ?? new Bucket()).row() }));

    const byDay = this.dayRows(ctx);

    const byQuiz: QuizRow[] = [...this.quizzes.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([quizId, q]) => ({
        quizId, title: ctx.quizTitles?.get(quizId) ?? quizId,
        started: q.started, completed: q.completed, passed: q.passed, passRate: passRate(q.passed, q.completed),
        averagePercent: q.scored ? Math.round((q.percentSum / q.scored) * 10) / 10 : null,
      }));

    const table = this.tableRows(orgOrder, unitList, label);
    const scam = this.scam.result(f.channel ? [] : REPORTED_CHANNELS);
    return { events: this.count, totals: this.totals.row(), byDay, byOrganisation, byUnit, byChannel, byQuiz, table, scam };
  }

  /** One row per day of the period (or per day seen, for a period too long to list). */
  private dayRows(ctx: StatsContext): DayRow[] {
    const byDay: DayRow[] = [];
    const seenDays = [...this.days.keys()].sort();
    const first = ctx.fromDay ?? seenDays[0];
    const last = ctx.toDay ?? seenDays[seenDays.length - 1];
    const span = first && last ? (Date.parse(last) - Date.parse(first)) / DAY_MS : -1;
    if (span >= 0 && span <= 3660) {
      for (let t = Date.parse(first!); t <= Date.parse(last!); t += DAY_MS) {
        const day = new Date(t).toISOString().slice(0, 10);
        byDay.push(dayRow(day, this.days.get(day)));
      }
    } else {
      for (const day of seenDays) byDay.push(dayRow(day, this.days.get(day)));
    }
    return byDay;
  }

  /** The organisation × commune table of the yearly report. */
  private tableRows(orgOrder: readonly string[], unitList: readonly { name: string }[], label: (u: string | null) => string): TableRow[] {
    const unitPos = new Map(unitList.map((u, i) => [u.name, i]));
    const unitCmp = (a: string, b: string) => {
      if (!a || !b) return a ? -1 : b ? 1 : 0; // unknown commune last
      return (unitPos.get(a) ?? 1e6) - (unitPos.get(b) ?? 1e6) || a.localeCompare(b, 'vi');
    };
    const orgPos = new Map(orgOrder.map((o, i) => [o, i]));
    const table: TableRow[] = [...this.table.entries()].map(([key, b]) => {
      const [o, u] = key.split('\u0000') as [string, string];
      return {
        organisation: o || UNREGISTERED, registered: o !== '', unit: u, unitLabel: u ? label(u) : (o ? UNKNOWN_UNIT : ''),
        ...b.row(),
      };
    });
    // Directory order of organisations, other names alphabetically, "Chưa đăng ký" last; communes likewise.
    table.sort((a, b) => Number(!a.registered) - Number(!b.registered)
      || (orgPos.get(a.organisation) ?? 1e6) - (orgPos.get(b.organisation) ?? 1e6)
      || (orgPos.has(a.organisation) ? 0 : a.organisation.localeCompare(b.organisation, 'vi'))
      || unitCmp(a.unit, b.unit));
    return table;
  }
}

function dayRow(date: string, b: Bucket = new Bucket(false)): DayRow {
  const { participants: _, ...rest } = b.row();
  return { date, ...rest };
}

function bucket<K>(map: Map<K, Bucket>, key: K, trackPeople = true): Bucket {
  let b = map.get(key);
  if (!b) map.set(key, (b = new Bucket(trackPeople)));
  return b;
}

/** Known values in their given order, then other seen values alphabetically, then null ("not registered") last. */
function ordered(seen: (string | null)[], known: readonly string[]): (string | null)[] {
  const set = new Set(seen);
  const out: (string | null)[] = [...known];
  const knownSet = new Set(known);
  out.push(...(seen.filter((s): s is string => s !== null && !knownSet.has(s)).sort((a, b) => a.localeCompare(b, 'vi'))));
  if (set.has(null)) out.push(null);
  return out;
}

/** Lets other requests run during a long synchronous scan (SQLite pages are read synchronously). */
export const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Reads the events matching `filter` once and returns every breakdown. */
export async function computeStats(storage: EventSource, filter: EventFilter, ctx: StatsContext = {}, signal?: AbortSignal): Promise<StatsReport> {
  const agg = new StatsAggregator();
  let n = 0;
  for await (const e of storage.iterateEvents(filter)) {
    agg.add(e);
    if (++n % 10000 === 0) {
      await yieldToLoop();
      signal?.throwIfAborted();
    }
  }
  return agg.result({ ...ctx, filter });
}
