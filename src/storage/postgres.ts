import pg from 'pg';
import type { ChannelName } from '../core/messages.js';
import { eventFromRow, eventWhere, inboxFromRow, type InboxRow } from './sqlite.js';
import type {
  CompletionCode, ConversationState, EventFilter, InboundItem, ParticipationEvent, PendingInbound, Profile, StaffSession,
  StaffUser, Storage, StoredEvent, UnansweredQuestion,
} from './types.js';

/** Same tables as SQLite; times are epoch milliseconds (BIGINT) so both stores share the row mapping. */
const MIGRATIONS: string[] = [
  `CREATE TABLE conversation_state (session_id TEXT PRIMARY KEY, state JSONB NOT NULL, updated_at BIGINT NOT NULL);
   CREATE TABLE profiles (user_key TEXT PRIMARY KEY, channel TEXT NOT NULL, consent_at BIGINT NOT NULL, organisation TEXT, unit TEXT);
   CREATE TABLE events (id BIGSERIAL PRIMARY KEY, at BIGINT NOT NULL, type TEXT NOT NULL, channel TEXT NOT NULL,
     user_key TEXT, organisation TEXT, unit TEXT, quiz_id TEXT, score INTEGER, total INTEGER, passed BOOLEAN);
   CREATE INDEX events_at ON events (at);
   CREATE INDEX events_user ON events (user_key);
   CREATE TABLE unanswered (id BIGSERIAL PRIMARY KEY, at BIGINT NOT NULL, channel TEXT NOT NULL, text TEXT NOT NULL);
   CREATE TABLE completion_codes (code TEXT PRIMARY KEY, quiz_id TEXT NOT NULL, score INTEGER NOT NULL, total INTEGER NOT NULL,
     at BIGINT NOT NULL, user_key TEXT);
   CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
   CREATE TABLE staff_users (username TEXT PRIMARY KEY, password_hash TEXT NOT NULL, role TEXT NOT NULL, organisation TEXT);
   CREATE TABLE staff_sessions (token TEXT PRIMARY KEY, username TEXT NOT NULL, expires_at BIGINT NOT NULL);
   CREATE TABLE audit_log (id BIGSERIAL PRIMARY KEY, at BIGINT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, detail TEXT NOT NULL);`,
  // Inbound platform messages: stored before the webhook is acknowledged, the dedup point for redeliveries.
  // leased_until (epoch ms): while a process handles a row, it holds a lease that the others respect.
  `CREATE TABLE inbox (channel TEXT NOT NULL, message_id TEXT NOT NULL, user_id TEXT NOT NULL, event TEXT NOT NULL,
     status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done')), received_at BIGINT NOT NULL,
     attempts INTEGER NOT NULL DEFAULT 0, leased_until BIGINT NOT NULL DEFAULT 0, PRIMARY KEY (channel, message_id));
   CREATE INDEX inbox_pending ON inbox (channel, received_at) WHERE status = 'pending';`,
];

/** The database's clock in epoch milliseconds. */
const NOW_MS = '(extract(epoch from clock_timestamp()) * 1000)::bigint';

/** `?` placeholders (shared with SQLite) to PostgreSQL's `$n`. */
const numbered = (sql: string) => {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
};

export class PostgresStorage implements Storage {
  readonly kind = 'postgres' as const;
  private pool: pg.Pool;

  constructor(connectionString: string) {
    this.pool = new pg.Pool({ connectionString, max: 10 });
    // An idle client losing its connection must not take the process down.
    this.pool.on('error', () => undefined);
  }

  private async q<R extends pg.QueryResultRow = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<R[]> {
    return (await this.pool.query<R>(numbered(sql), params)).rows;
  }

  async migrate(): Promise<void> {
    const client = await this.pool.connect();
    try {
      // One migrator at a time across instances.
      await client.query('SELECT pg_advisory_lock(5717)');
      await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)');
      const done = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
      for (const [i, sql] of MIGRATIONS.entries()) {
        if (done.has(i + 1)) continue;
        await client.query('BEGIN');
        try {
          await client.query(sql);
          await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [i + 1, Date.now()]);
          await client.query('COMMIT');
        } catch (e) {
          await client.query('ROLLBACK');
          throw e;
        }
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock(5717)').catch(() => undefined);
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  async getState(sessionId: string): Promise<ConversationState | undefined> {
    const [r] = await this.q<{ state: ConversationState }>('SELECT state FROM conversation_state WHERE session_id = ?', [sessionId]);
    return r?.state;
  }

  async saveState(sessionId: string, state: ConversationState): Promise<void> {
    await this.q(`INSERT INTO conversation_state (session_id, state, updated_at) VALUES (?, ?, ?)
      ON CONFLICT (session_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`, [sessionId, JSON.stringify(state), Date.now()]);
  }

  async deleteState(sessionId: string): Promise<void> {
    await this.q('DELETE FROM conversation_state WHERE session_id = ?', [sessionId]);
  }


  async enqueueInbound(i: InboundItem): Promise<boolean> {
    const r = await this.pool.query('INSERT INTO inbox (channel, message_id, user_id, event, received_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING',
      [i.channel, i.messageId, i.userId, i.event, i.receivedAt.getTime()]);
    return r.rowCount === 1;
  }

  // Leases run on the database's clock, so instances whose clocks disagree still agree on when a lease ends.
  async attemptInbound(channel: string, messageId: string, attempts: number, leaseMs: number): Promise<boolean> {
    const r = await this.pool.query(`UPDATE inbox SET attempts = attempts + 1, leased_until = ${NOW_MS} + $1
      WHERE channel = $2 AND message_id = $3 AND status = 'pending' AND attempts = $4 AND leased_until <= ${NOW_MS}`,
    [leaseMs, channel, messageId, attempts]);
    return r.rowCount === 1;
  }

  async renewInbound(channel: string, messageId: string, attempts: number, leaseMs: number): Promise<boolean> {
    const r = await this.pool.query(`UPDATE inbox SET leased_until = ${NOW_MS} + $1 WHERE channel = $2 AND message_id = $3 AND status = 'pending' AND attempts = $4`,
      [leaseMs, channel, messageId, attempts]);
    return r.rowCount === 1;
  }

  async completeInbound(channel: string, messageId: string): Promise<void> {
    await this.q(`UPDATE inbox SET status = 'done', event = '', user_id = '' WHERE channel = ? AND message_id = ?`, [channel, messageId]);
  }

  async pendingInbound(channel: string, olderThan: Date | undefined, limit: number): Promise<PendingInbound[]> {
    // One process never stores two rows of a channel in the same millisecond (the inbox sees to it); message_id only makes ties stable.
    const rows = await this.q<InboxRow>(`SELECT * FROM inbox WHERE channel = ? AND status = 'pending' AND received_at < ? AND leased_until <= ${NOW_MS}
      ORDER BY received_at, message_id LIMIT ?`, [channel, olderThan?.getTime() ?? Number.MAX_SAFE_INTEGER, limit]);
    return rows.map(inboxFromRow);
  }

  async getProfile(userKey: string): Promise<Profile | undefined> {
    const [r] = await this.q<{ user_key: string; channel: string; consent_at: string; organisation: string | null; unit: string | null }>(
      'SELECT * FROM profiles WHERE user_key = ?', [userKey]);
    return r && { userKey: r.user_key, channel: r.channel as ChannelName, consentAt: new Date(Number(r.consent_at)),
      organisation: r.organisation ?? undefined, unit: r.unit ?? undefined };
  }

  async saveProfile(p: Profile): Promise<void> {
    await this.q(`INSERT INTO profiles (user_key, channel, consent_at, organisation, unit) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (user_key) DO UPDATE SET consent_at = excluded.consent_at, organisation = excluded.organisation, unit = excluded.unit`,
    [p.userKey, p.channel, p.consentAt.getTime(), p.organisation ?? null, p.unit ?? null]);
  }

  async deletePersonalData(userKey: string): Promise<number> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      let n = (await client.query('DELETE FROM profiles WHERE user_key = $1', [userKey])).rowCount ?? 0;
      n += (await client.query('UPDATE events SET user_key = NULL, organisation = NULL, unit = NULL WHERE user_key = $1', [userKey])).rowCount ?? 0;
      n += (await client.query('UPDATE completion_codes SET user_key = NULL WHERE user_key = $1', [userKey])).rowCount ?? 0;
      await client.query('COMMIT');
      return n;
    } catch (e) {
      await client.query('ROLLBACK');
      throw e;
    } finally {
      client.release();
    }
  }

  async recordEvent(e: ParticipationEvent): Promise<void> {
    await this.q(`INSERT INTO events (at, type, channel, user_key, organisation, unit, quiz_id, score, total, passed)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, [e.at.getTime(), e.type, e.channel, e.userKey ?? null, e.organisation ?? null,
      e.unit ?? null, e.quizId ?? null, e.score ?? null, e.total ?? null, e.passed ?? null]);
  }

  async *iterateEvents(filter: EventFilter, pageSize = 5000): AsyncIterable<StoredEvent> {
    const { sql, params } = eventWhere(filter);
    let last = 0;
    for (;;) {
      const rows = await this.q<Parameters<typeof eventFromRow>[0]>(
        `SELECT * FROM events ${sql ? `${sql} AND` : 'WHERE'} id > ? ORDER BY id LIMIT ?`, [...params, last, pageSize]);
      for (const r of rows) yield eventFromRow(r);
      if (rows.length < pageSize) return;
      last = Number(rows[rows.length - 1]!.id);
    }
  }

  async countEvents(filter: EventFilter): Promise<number> {
    const { sql, params } = eventWhere(filter);
    const [r] = await this.q<{ n: string }>(`SELECT COUNT(*) AS n FROM events ${sql}`, params);
    return Number(r!.n);
  }

  async recordUnanswered(channel: ChannelName, text: string, at: Date): Promise<void> {
    await this.q('INSERT INTO unanswered (at, channel, text) VALUES (?, ?, ?)', [at.getTime(), channel, text]);
  }

  async listUnanswered(limit: number): Promise<UnansweredQuestion[]> {
    const rows = await this.q<{ id: string; at: string; channel: string; text: string }>('SELECT * FROM unanswered ORDER BY id DESC LIMIT ?', [limit]);
    return rows.map((r) => ({ id: Number(r.id), at: new Date(Number(r.at)), channel: r.channel as ChannelName, text: r.text }));
  }

  async saveCompletionCode(c: CompletionCode): Promise<void> {
    await this.q('INSERT INTO completion_codes (code, quiz_id, score, total, at, user_key) VALUES (?, ?, ?, ?, ?, ?)',
      [c.code, c.quizId, c.score, c.total, c.at.getTime(), c.userKey ?? null]);
  }

  async findCompletionCode(code: string): Promise<CompletionCode | undefined> {
    const [r] = await this.q<{ code: string; quiz_id: string; score: number; total: number; at: string; user_key: string | null }>(
      'SELECT * FROM completion_codes WHERE code = ?', [code]);
    return r && { code: r.code, quizId: r.quiz_id, score: r.score, total: r.total, at: new Date(Number(r.at)), userKey: r.user_key };
  }

  async getSetting(key: string): Promise<string | undefined> {
    const [r] = await this.q<{ value: string }>('SELECT value FROM settings WHERE key = ?', [key]);
    return r?.value;
  }

  async setSetting(key: string, value: string): Promise<void> {
    await this.q('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value]);
  }

  async compareAndSetSetting(key: string, expected: string | undefined, next: string): Promise<boolean> {
    // One statement each way, so two instances racing cannot both win.
    const r = expected === undefined
      ? await this.pool.query('INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT DO NOTHING', [key, next])
      : await this.pool.query('UPDATE settings SET value = $3 WHERE key = $1 AND value = $2', [key, expected, next]);
    return r.rowCount === 1;
  }

  async getStaffUser(username: string): Promise<StaffUser | undefined> {
    const [r] = await this.q<{ username: string; password_hash: string; role: string; organisation: string | null }>(
      'SELECT * FROM staff_users WHERE username = ?', [username]);
    return r && { username: r.username, passwordHash: r.password_hash, role: r.role as StaffUser['role'], organisation: r.organisation };
  }

  async saveStaffUser(u: StaffUser): Promise<void> {
    await this.q(`INSERT INTO staff_users (username, password_hash, role, organisation) VALUES (?, ?, ?, ?)
      ON CONFLICT (username) DO UPDATE SET password_hash = excluded.password_hash, role = excluded.role, organisation = excluded.organisation`,
    [u.username, u.passwordHash, u.role, u.organisation ?? null]);
  }

  async createStaffSession(s: StaffSession): Promise<void> {
    await this.q('DELETE FROM staff_sessions WHERE expires_at < ?', [Date.now()]);
    await this.q('INSERT INTO staff_sessions (token, username, expires_at) VALUES (?, ?, ?)', [s.token, s.username, s.expiresAt.getTime()]);
  }

  async getStaffSession(token: string): Promise<StaffSession | undefined> {
    const [r] = await this.q<{ token: string; username: string; expires_at: string }>('SELECT * FROM staff_sessions WHERE token = ?', [token]);
    return r && { token: r.token, username: r.username, expiresAt: new Date(Number(r.expires_at)) };
  }

  async deleteStaffSession(token: string): Promise<void> {
    await this.q('DELETE FROM staff_sessions WHERE token = ?', [token]);
  }

  async logAudit(actor: string, action: string, detail: string): Promise<void> {
    await this.q('INSERT INTO audit_log (at, actor, action, detail) VALUES (?, ?, ?, ?)', [Date.now(), actor, action, detail]);
  }

  async listAudit(limit: number) {
    const rows = await this.q<{ at: string; actor: string; action: string; detail: string }>('SELECT * FROM audit_log ORDER BY id DESC LIMIT ?', [limit]);
    return rows.map((r) => ({ at: new Date(Number(r.at)), actor: r.actor, action: r.action, detail: r.detail }));
  }
}
