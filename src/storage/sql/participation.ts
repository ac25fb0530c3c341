import type { ChannelName } from '../../core/messages.js';
import type { ParticipationStore } from '../ports.js';
import type {
  CompletionCode, EventFilter, FeedbackReason, FeedbackReasonRecord, FeedbackReasonRow, ParticipationEvent, Person, Profile, QuizResult, StoredEvent,
  UnansweredQuestion,
} from '../types.js';
import { num, numOrNull, type SqlDriver } from './driver.js';

interface EventRow {
  id: unknown; at: unknown; type: string; channel: string; user_key: string | null; organisation: string | null;
  unit: string | null; quiz_id: string | null; score: unknown; total: unknown; passed: unknown; verdict?: string | null; signals?: string | null;
}

function eventFromRow(r: EventRow): StoredEvent {
  return {
    id: num(r.id), at: new Date(num(r.at)), type: r.type as StoredEvent['type'], channel: r.channel as ChannelName,
    userKey: r.user_key, organisation: r.organisation, unit: r.unit, quizId: r.quiz_id,
    score: numOrNull(r.score), total: numOrNull(r.total), passed: r.passed === null ? null : Boolean(r.passed),
    verdict: r.verdict ?? null, signals: r.signals ? r.signals.split(',') : null,
  };
}

/** WHERE clause for an event filter. */
function eventWhere(f: EventFilter): { sql: string; params: (string | number)[] } {
  const parts: string[] = [];
  const params: (string | number)[] = [];
  if (f.from) { parts.push('at >= ?'); params.push(f.from.getTime()); }
  if (f.to) { parts.push('at < ?'); params.push(f.to.getTime()); }
  if (f.organisation) { parts.push('organisation = ?'); params.push(f.organisation); }
  if (f.unit) { parts.push('unit = ?'); params.push(f.unit); }
  if (f.channel) { parts.push('channel = ?'); params.push(f.channel); }
  return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', params };
}

export class SqlParticipation implements ParticipationStore {
  constructor(private db: SqlDriver) {}

  async getProfile(userKey: string): Promise<Profile | undefined> {
    const [r] = await this.db.query<{ user_key: string; channel: string; consent_at: unknown; organisation: string | null; unit: string | null }>(
      'SELECT * FROM profiles WHERE user_key = ?', [userKey]);
    return r && { userKey: r.user_key, channel: r.channel as ChannelName, consentAt: new Date(num(r.consent_at)),
      organisation: r.organisation ?? undefined, unit: r.unit ?? undefined };
  }

  async saveProfile(p: Profile): Promise<void> {
    await this.db.run(`INSERT INTO profiles (user_key, channel, consent_at, organisation, unit) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (user_key) DO UPDATE SET consent_at = excluded.consent_at, organisation = excluded.organisation, unit = excluded.unit`,
    [p.userKey, p.channel, p.consentAt.getTime(), p.organisation ?? null, p.unit ?? null]);
  }

  async deletePersonalData(person: Person): Promise<number> {
    const { userKey } = person;
    const counts = await this.db.batch([
      ['DELETE FROM profiles WHERE user_key = ?', [userKey]],
      // Keep the anonymous count of what happened, drop who did it.
      ['UPDATE events SET user_key = NULL, organisation = NULL, unit = NULL, attempt_id = NULL WHERE user_key = ?', [userKey]],
      ['UPDATE completion_codes SET user_key = NULL, attempt_id = NULL WHERE user_key = ?', [userKey]],
      ['DELETE FROM unanswered WHERE user_key = ?', [userKey]],
      ['DELETE FROM conversation_state WHERE session_id = ?', [userKey]],
      // Messages not handled yet keep the platform's id and the event until done: drop both now.
      [`UPDATE inbox SET user_id = '', event = '' WHERE channel = ? AND user_id = ? AND status = 'pending'`, [person.channel, person.userId]],
      // Outreach: the opt-in and the raw id go; conversations with staff lose their words and who they were with,
      // announcements' delivery rows only who received them (the counts stay).
      ['DELETE FROM subscriptions WHERE user_key = ?', [userKey]],
      ['DELETE FROM contacts WHERE user_key = ?', [userKey]],
      ['DELETE FROM handoff_messages WHERE handoff_id IN (SELECT id FROM handoffs WHERE user_key = ?)', [userKey]],
      [`UPDATE handoffs SET user_key = NULL, organisation = NULL, unit = NULL, back_notified = 1,
        closed_reason = CASE WHEN status = 'closed' THEN closed_reason ELSE 'deleted' END, status = 'closed',
        closed_at = COALESCE(closed_at, CAST(? AS BIGINT)) WHERE user_key = ?`, [Date.now(), userKey]],
      [`UPDATE deliveries SET status = CASE WHEN status IN ('pending', 'later') THEN 'skipped' ELSE status END,
        reason = CASE WHEN status IN ('pending', 'later') THEN 'deleted' ELSE reason END, user_key = NULL WHERE user_key = ?`, [userKey]],
    ]);
    return counts.reduce((a, b) => a + b, 0);
  }

  async recordEvent(e: ParticipationEvent): Promise<void> {
    await this.db.run(`INSERT INTO events (at, type, channel, user_key, organisation, unit, quiz_id, score, total, passed, attempt_id, verdict, signals)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, [e.at.getTime(), e.type, e.channel, e.userKey ?? null, e.organisation ?? null,
      e.unit ?? null, e.quizId ?? null, e.score ?? null, e.total ?? null, e.passed === undefined || e.passed === null ? null : e.passed ? 1 : 0,
      e.attemptId ?? null, e.verdict ?? null, e.signals?.length ? e.signals.join(',') : null]);
  }

  async *iterateEvents(filter: EventFilter, pageSize = 5000): AsyncIterable<StoredEvent> {
    const { sql, params } = eventWhere(filter);
    let last = 0;
    for (;;) {
      const rows = await this.db.query<EventRow>(`SELECT * FROM events ${sql ? `${sql} AND` : 'WHERE'} id > ? ORDER BY id LIMIT ?`, [...params, last, pageSize]);
      for (const r of rows) yield eventFromRow(r);
      if (rows.length < pageSize) return;
      last = num(rows[rows.length - 1]!.id);
    }
  }

  async countEvents(filter: EventFilter): Promise<number> {
    const { sql, params } = eventWhere(filter);
    const [r] = await this.db.query<{ n: unknown }>(`SELECT COUNT(*) AS n FROM events ${sql}`, params);
    return num(r!.n);
  }

  async recordUnanswered(channel: ChannelName, text: string, at: Date, userKey: string): Promise<void> {
    await this.db.run('INSERT INTO unanswered (at, channel, text, user_key) VALUES (?, ?, ?, ?)', [at.getTime(), channel, text, userKey]);
  }

  async listUnanswered(limit: number): Promise<UnansweredQuestion[]> {
    const rows = await this.db.query<{ id: unknown; at: unknown; channel: string; text: string }>('SELECT id, at, channel, text FROM unanswered WHERE resolution IS NULL ORDER BY id DESC LIMIT ?', [limit]);
    return rows.map((r) => ({ id: num(r.id), at: new Date(num(r.at)), channel: r.channel as ChannelName, text: r.text }));
  }

  async saveCompletionCode(c: CompletionCode): Promise<void> {
    await this.db.run('INSERT INTO completion_codes (code, quiz_id, score, total, at, user_key, attempt_id) VALUES (?, ?, ?, ?, ?, ?, ?)',
      [c.code, c.quizId, c.score, c.total, c.at.getTime(), c.userKey ?? null, c.attemptId ?? null]);
  }

  async findCompletionCode(code: string): Promise<CompletionCode | undefined> {
    const [r] = await this.db.query<{ code: string; quiz_id: string; score: unknown; total: unknown; at: unknown; user_key: string | null }>(
      'SELECT * FROM completion_codes WHERE code = ?', [code]);
    return r && { code: r.code, quizId: r.quiz_id, score: num(r.score), total: num(r.total), at: new Date(num(r.at)), userKey: r.user_key };
  }

  async claimAttempts(userKey: string, attemptIds: string[]): Promise<number> {
    if (!attemptIds.length) return 0;
    const marks = attemptIds.map(() => '?').join(', ');
    // Only rows nobody holds yet: an attempt id is random and per conversation, never another person's.
    const [events] = await this.db.batch([
      [`UPDATE events SET user_key = ?, attempt_id = NULL WHERE attempt_id IN (${marks}) AND user_key IS NULL`, [userKey, ...attemptIds]],
      [`UPDATE completion_codes SET user_key = ?, attempt_id = NULL WHERE attempt_id IN (${marks}) AND user_key IS NULL`, [userKey, ...attemptIds]],
    ]);
    return events!;
  }

  async fillAffiliation(userKey: string, organisation: string | undefined, unit: string | undefined): Promise<void> {
    await this.db.run(`UPDATE events SET organisation = COALESCE(organisation, ?), unit = COALESCE(unit, ?)
      WHERE user_key = ? AND (organisation IS NULL OR unit IS NULL)`, [organisation ?? null, unit ?? null, userKey]);
  }

  async quizResults(userKey: string, limit: number): Promise<QuizResult[]> {
    const rows = await this.db.query<{ quiz_id: string; at: unknown; score: unknown; total: unknown; passed: unknown; code: string | null }>(
      `SELECT e.quiz_id, e.at, e.score, e.total, e.passed, c.code FROM events e
       LEFT JOIN completion_codes c ON c.user_key = e.user_key AND c.quiz_id = e.quiz_id AND c.at = e.at
       WHERE e.user_key = ? AND e.type = 'quiz_completed' ORDER BY e.at DESC, e.id DESC LIMIT ?`, [userKey, limit]);
    return rows.map((r) => ({ quizId: r.quiz_id, at: new Date(num(r.at)), score: num(r.score), total: num(r.total), passed: Boolean(r.passed), ...(r.code ? { code: r.code } : {}) }));
  }

  async recordFeedbackReason(r: FeedbackReasonRecord): Promise<void> {
    await this.db.run('INSERT INTO feedback_reasons (at, channel, topic, reason) VALUES (?, ?, ?, ?)', [r.at.getTime(), r.channel, r.topic, r.reason]);
  }

  async feedbackReasons(filter: Pick<EventFilter, 'from' | 'to'>, limit: number): Promise<FeedbackReasonRow[]> {
    const { sql, params } = eventWhere({ from: filter.from, to: filter.to });
    const rows = await this.db.query<{ topic: string; reason: FeedbackReason; n: unknown }>(
      `SELECT topic, reason, COUNT(*) AS n FROM feedback_reasons ${sql} GROUP BY topic, reason`, params);
    const byTopic = new Map<string, FeedbackReasonRow>();
    for (const r of rows) {
      const row = byTopic.get(r.topic) ?? { topic: r.topic, reasons: { topic: 0, long: 0, unclear: 0 }, total: 0 };
      if (r.reason in row.reasons) row.reasons[r.reason] += num(r.n);
      row.total += num(r.n);
      byTopic.set(r.topic, row);
    }
    return [...byTopic.values()].sort((a, b) => b.total - a.total || a.topic.localeCompare(b.topic, 'vi')).slice(0, limit);
  }
}
