import type { ChannelName } from '../../core/messages.js';
import type { ParticipationStore } from '../ports.js';
import type { CompletionCode, EventFilter, ParticipationEvent, Person, Profile, StoredEvent, UnansweredQuestion } from '../types.js';
import { num, numOrNull, type SqlDriver } from './driver.js';

interface EventRow {
  id: unknown; at: unknown; type: string; channel: string; user_key: string | null; organisation: string | null;
  unit: string | null; quiz_id: string | null; score: unknown; total: unknown; passed: unknown;
}

function eventFromRow(r: EventRow): StoredEvent {
  return {
    id: num(r.id), at: new Date(num(r.at)), type: r.type as StoredEvent['type'], channel: r.channel as ChannelName,
    userKey: r.user_key, organisation: r.organisation, unit: r.unit, quizId: r.quiz_id,
    score: numOrNull(r.score), total: numOrNull(r.total), passed: r.passed === null ? null : Boolean(r.passed),
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
      ['UPDATE events SET user_key = NULL, organisation = NULL, unit = NULL WHERE user_key = ?', [userKey]],
      ['UPDATE completion_codes SET user_key = NULL WHERE user_key = ?', [userKey]],
      ['DELETE FROM unanswered WHERE user_key = ?', [userKey]],
      ['DELETE FROM conversation_state WHERE session_id = ?', [userKey]],
      // Messages not handled yet keep the platform's id and the event until done: drop both now.
      [`UPDATE inbox SET user_id = '', event = '' WHERE channel = ? AND user_id = ? AND status = 'pending'`, [person.channel, person.userId]],
    ]);
    return counts.reduce((a, b) => a + b, 0);
  }

  async recordEvent(e: ParticipationEvent): Promise<void> {
    await this.db.run(`INSERT INTO events (at, type, channel, user_key, organisation, unit, quiz_id, score, total, passed)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, [e.at.getTime(), e.type, e.channel, e.userKey ?? null, e.organisation ?? null,
      e.unit ?? null, e.quizId ?? null, e.score ?? null, e.total ?? null, e.passed === undefined || e.passed === null ? null : e.passed ? 1 : 0]);
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
    const rows = await this.db.query<{ id: unknown; at: unknown; channel: string; text: string }>('SELECT id, at, channel, text FROM unanswered ORDER BY id DESC LIMIT ?', [limit]);
    return rows.map((r) => ({ id: num(r.id), at: new Date(num(r.at)), channel: r.channel as ChannelName, text: r.text }));
  }

  async saveCompletionCode(c: CompletionCode): Promise<void> {
    await this.db.run('INSERT INTO completion_codes (code, quiz_id, score, total, at, user_key) VALUES (?, ?, ?, ?, ?, ?)',
      [c.code, c.quizId, c.score, c.total, c.at.getTime(), c.userKey ?? null]);
  }

  async findCompletionCode(code: string): Promise<CompletionCode | undefined> {
    const [r] = await this.db.query<{ code: string; quiz_id: string; score: unknown; total: unknown; at: unknown; user_key: string | null }>(
      'SELECT * FROM completion_codes WHERE code = ?', [code]);
    return r && { code: r.code, quizId: r.quiz_id, score: num(r.score), total: num(r.total), at: new Date(num(r.at)), userKey: r.user_key };
  }
}
