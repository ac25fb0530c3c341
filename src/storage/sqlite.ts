import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { ChannelName } from '../core/messages.js';
import type {
  CompletionCode, ConversationState, EventFilter, InboundItem, ParticipationEvent, PendingInbound, Profile, StaffSession,
  StaffUser, Storage, StoredEvent, UnansweredQuestion,
} from './types.js';

/** Ordered, append-only: a migration once shipped is never edited. */
const MIGRATIONS: string[] = [
  `CREATE TABLE conversation_state (session_id TEXT PRIMARY KEY, state TEXT NOT NULL, updated_at INTEGER NOT NULL);
   CREATE TABLE profiles (user_key TEXT PRIMARY KEY, channel TEXT NOT NULL, consent_at INTEGER NOT NULL, organisation TEXT, unit TEXT);
   CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, type TEXT NOT NULL, channel TEXT NOT NULL,
     user_key TEXT, organisation TEXT, unit TEXT, quiz_id TEXT, score INTEGER, total INTEGER, passed INTEGER);
   CREATE INDEX events_at ON events (at);
   CREATE INDEX events_user ON events (user_key);
   CREATE TABLE unanswered (id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, channel TEXT NOT NULL, text TEXT NOT NULL);
   CREATE TABLE completion_codes (code TEXT PRIMARY KEY, quiz_id TEXT NOT NULL, score INTEGER NOT NULL, total INTEGER NOT NULL,
     at INTEGER NOT NULL, user_key TEXT);
   CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
   CREATE TABLE staff_users (username TEXT PRIMARY KEY, password_hash TEXT NOT NULL, role TEXT NOT NULL, organisation TEXT);
   CREATE TABLE staff_sessions (token TEXT PRIMARY KEY, username TEXT NOT NULL, expires_at INTEGER NOT NULL);
   CREATE TABLE audit_log (id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, detail TEXT NOT NULL);`,
  // Inbound platform messages: stored before the webhook is acknowledged, the dedup point for redeliveries.
  // leased_until (epoch ms): while a process handles a row, it holds a lease that the others respect.
  `CREATE TABLE inbox (channel TEXT NOT NULL, message_id TEXT NOT NULL, user_id TEXT NOT NULL, event TEXT NOT NULL,
     status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done')), received_at INTEGER NOT NULL,
     attempts INTEGER NOT NULL DEFAULT 0, leased_until INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (channel, message_id));
   CREATE INDEX inbox_pending ON inbox (channel, received_at) WHERE status = 'pending';`,
];

interface EventRow {
  id: number | string; at: number | string; type: string; channel: string; user_key: string | null; organisation: string | null;
  unit: string | null; quiz_id: string | null; score: number | null; total: number | null; passed: number | null;
}

export interface InboxRow { channel: string; message_id: string; user_id: string; event: string; received_at: number | string; attempts: number | string }

export function inboxFromRow(r: InboxRow): PendingInbound {
  return { channel: r.channel, messageId: r.message_id, userId: r.user_id, event: r.event, receivedAt: new Date(Number(r.received_at)), attempts: Number(r.attempts) };
}

export function eventFromRow(r: EventRow): StoredEvent {
  return {
    id: Number(r.id), at: new Date(Number(r.at)), type: r.type as StoredEvent['type'], channel: r.channel as ChannelName,
    userKey: r.user_key, organisation: r.organisation, unit: r.unit, quizId: r.quiz_id,
    score: r.score === null ? null : Number(r.score), total: r.total === null ? null : Number(r.total),
    passed: r.passed === null ? null : Boolean(r.passed),
  };
}

/** WHERE clause for an event filter, with `?` placeholders (the PostgreSQL store renumbers them). */
export function eventWhere(f: EventFilter): { sql: string; params: (string | number)[] } {
  const parts: string[] = [];
  const params: (string | number)[] = [];
  if (f.from) { parts.push('at >= ?'); params.push(f.from.getTime()); }
  if (f.to) { parts.push('at < ?'); params.push(f.to.getTime()); }
  if (f.organisation) { parts.push('organisation = ?'); params.push(f.organisation); }
  if (f.unit) { parts.push('unit = ?'); params.push(f.unit); }
  if (f.channel) { parts.push('channel = ?'); params.push(f.channel); }
  return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', params };
}

export class SqliteStorage implements Storage {
  readonly kind = 'sqlite' as const;
  private db: Database.Database;

  constructor(file: string) {
    if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
    this.db = new Database(file);
    // WAL + synchronous=NORMAL: an acknowledged write survives a process crash (not a power cut mid-fsync).
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
  }

  async migrate(): Promise<void> {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
    const done = new Set(this.db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[]);
    MIGRATIONS.forEach((sql, i) => {
      if (done.has(i + 1)) return;
      this.db.transaction(() => {
        this.db.exec(sql);
        this.db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(i + 1, Date.now());
      })();
    });
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async getState(sessionId: string): Promise<ConversationState | undefined> {
    const row = this.db.prepare('SELECT state FROM conversation_state WHERE session_id = ?').get(sessionId) as { state: string } | undefined;
    return row ? (JSON.parse(row.state) as ConversationState) : undefined;
  }

  async saveState(sessionId: string, state: ConversationState): Promise<void> {
    this.db.prepare(`INSERT INTO conversation_state (session_id, state, updated_at) VALUES (?, ?, ?)
      ON CONFLICT (session_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`)
      .run(sessionId, JSON.stringify(state), Date.now());
  }

  async deleteState(sessionId: string): Promise<void> {
    this.db.prepare('DELETE FROM conversation_state WHERE session_id = ?').run(sessionId);
  }


  async enqueueInbound(i: InboundItem): Promise<boolean> {
    const r = this.db.prepare('INSERT OR IGNORE INTO inbox (channel, message_id, user_id, event, received_at) VALUES (?, ?, ?, ?, ?)')
      .run(i.channel, i.messageId, i.userId, i.event, i.receivedAt.getTime());
    return r.changes === 1;
  }

  async attemptInbound(channel: string, messageId: string, attempts: number, leaseMs: number): Promise<boolean> {
    const now = Date.now();
    return this.db.prepare(`UPDATE inbox SET attempts = attempts + 1, leased_until = ?
      WHERE channel = ? AND message_id = ? AND status = 'pending' AND attempts = ? AND leased_until <= ?`)
      .run(now + leaseMs, channel, messageId, attempts, now).changes === 1;
  }

  async renewInbound(channel: string, messageId: string, attempts: number, leaseMs: number): Promise<boolean> {
    return this.db.prepare(`UPDATE inbox SET leased_until = ? WHERE channel = ? AND message_id = ? AND status = 'pending' AND attempts = ?`)
      .run(Date.now() + leaseMs, channel, messageId, attempts).changes === 1;
  }

  async completeInbound(channel: string, messageId: string): Promise<void> {
    this.db.prepare(`UPDATE inbox SET status = 'done', event = '', user_id = '' WHERE channel = ? AND message_id = ?`).run(channel, messageId);
  }

  async pendingInbound(channel: string, olderThan: Date | undefined, limit: number): Promise<PendingInbound[]> {
    const rows = this.db.prepare(`SELECT * FROM inbox WHERE channel = ? AND status = 'pending' AND received_at < ? AND leased_until <= ?
      ORDER BY received_at, rowid LIMIT ?`).all(channel, olderThan?.getTime() ?? Number.MAX_SAFE_INTEGER, Date.now(), limit) as InboxRow[];
    return rows.map(inboxFromRow);
  }

  async getProfile(userKey: string): Promise<Profile | undefined> {
    const r = this.db.prepare('SELECT * FROM profiles WHERE user_key = ?').get(userKey) as
      { user_key: string; channel: string; consent_at: number; organisation: string | null; unit: string | null } | undefined;
    if (!r) return undefined;
    return { userKey: r.user_key, channel: r.channel as ChannelName, consentAt: new Date(r.consent_at),
      organisation: r.organisation ?? undefined, unit: r.unit ?? undefined };
  }

  async saveProfile(p: Profile): Promise<void> {
    this.db.prepare(`INSERT INTO profiles (user_key, channel, consent_at, organisation, unit) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (user_key) DO UPDATE SET consent_at = excluded.consent_at, organisation = excluded.organisation, unit = excluded.unit`)
      .run(p.userKey, p.channel, p.consentAt.getTime(), p.organisation ?? null, p.unit ?? null);
  }

  async deletePersonalData(userKey: string): Promise<number> {
    return this.db.transaction(() => {
      let n = this.db.prepare('DELETE FROM profiles WHERE user_key = ?').run(userKey).changes;
      // Keep the anonymous count of what happened, drop who did it.
      n += this.db.prepare('UPDATE events SET user_key = NULL, organisation = NULL, unit = NULL WHERE user_key = ?').run(userKey).changes;
      n += this.db.prepare('UPDATE completion_codes SET user_key = NULL WHERE user_key = ?').run(userKey).changes;
      return n;
    })();
  }

  async recordEvent(e: ParticipationEvent): Promise<void> {
    this.db.prepare(`INSERT INTO events (at, type, channel, user_key, organisation, unit, quiz_id, score, total, passed)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(e.at.getTime(), e.type, e.channel, e.userKey ?? null, e.organisation ?? null,
      e.unit ?? null, e.quizId ?? null, e.score ?? null, e.total ?? null, e.passed === undefined || e.passed === null ? null : e.passed ? 1 : 0);
  }

  async *iterateEvents(filter: EventFilter, pageSize = 5000): AsyncIterable<StoredEvent> {
    const { sql, params } = eventWhere(filter);
    const stmt = this.db.prepare(`SELECT * FROM events ${sql ? `${sql} AND` : 'WHERE'} id > ? ORDER BY id LIMIT ?`);
    let last = 0;
    for (;;) {
      const rows = stmt.all(...params, last, pageSize) as EventRow[];
      for (const r of rows) yield eventFromRow(r);
      if (rows.length < pageSize) return;
      last = Number(rows[rows.length - 1]!.id);
    }
  }

  async countEvents(filter: EventFilter): Promise<number> {
    const { sql, params } = eventWhere(filter);
    return this.db.prepare(`SELECT COUNT(*) FROM events ${sql}`).pluck().get(...params) as number;
  }

  async recordUnanswered(channel: ChannelName, text: string, at: Date): Promise<void> {
    this.db.prepare('INSERT INTO unanswered (at, channel, text) VALUES (?, ?, ?)').run(at.getTime(), channel, text);
  }

  async listUnanswered(limit: number): Promise<UnansweredQuestion[]> {
    const rows = this.db.prepare('SELECT * FROM unanswered ORDER BY id DESC LIMIT ?').all(limit) as
      { id: number; at: number; channel: string; text: string }[];
    return rows.map((r) => ({ id: r.id, at: new Date(r.at), channel: r.channel as ChannelName, text: r.text }));
  }

  async saveCompletionCode(c: CompletionCode): Promise<void> {
    this.db.prepare('INSERT INTO completion_codes (code, quiz_id, score, total, at, user_key) VALUES (?, ?, ?, ?, ?, ?)')
      .run(c.code, c.quizId, c.score, c.total, c.at.getTime(), c.userKey ?? null);
  }

  async findCompletionCode(code: string): Promise<CompletionCode | undefined> {
    const r = this.db.prepare('SELECT * FROM completion_codes WHERE code = ?').get(code) as
      { code: string; quiz_id: string; score: number; total: number; at: number; user_key: string | null } | undefined;
    return r && { code: r.code, quizId: r.quiz_id, score: r.score, total: r.total, at: new Date(r.at), userKey: r.user_key };
  }

  async getSetting(key: string): Promise<string | undefined> {
    return this.db.prepare('SELECT value FROM settings WHERE key = ?').pluck().get(key) as string | undefined;
  }

  async setSetting(key: string, value: string): Promise<void> {
    this.db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  async compareAndSetSetting(key: string, expected: string | undefined, next: string): Promise<boolean> {
    return this.db.transaction(() => {
      const current = this.db.prepare('SELECT value FROM settings WHERE key = ?').pluck().get(key) as string | undefined;
      if (current !== expected) return false;
      this.db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, next);
      return true;
    }).immediate();
  }

  async getStaffUser(username: string): Promise<StaffUser | undefined> {
    const r = this.db.prepare('SELECT * FROM staff_users WHERE username = ?').get(username) as
      { username: string; password_hash: string; role: string; organisation: string | null } | undefined;
    return r && { username: r.username, passwordHash: r.password_hash, role: r.role as StaffUser['role'], organisation: r.organisation };
  }

  async saveStaffUser(u: StaffUser): Promise<void> {
    this.db.prepare(`INSERT INTO staff_users (username, password_hash, role, organisation) VALUES (?, ?, ?, ?)
      ON CONFLICT (username) DO UPDATE SET password_hash = excluded.password_hash, role = excluded.role, organisation = excluded.organisation`)
      .run(u.username, u.passwordHash, u.role, u.organisation ?? null);
  }

  async createStaffSession(s: StaffSession): Promise<void> {
    this.db.prepare('DELETE FROM staff_sessions WHERE expires_at < ?').run(Date.now());
    this.db.prepare('INSERT INTO staff_sessions (token, username, expires_at) VALUES (?, ?, ?)').run(s.token, s.username, s.expiresAt.getTime());
  }

  async getStaffSession(token: string): Promise<StaffSession | undefined> {
    const r = this.db.prepare('SELECT * FROM staff_sessions WHERE token = ?').get(token) as
      { token: string; username: string; expires_at: number } | undefined;
    return r && { token: r.token, username: r.username, expiresAt: new Date(r.expires_at) };
  }

  async deleteStaffSession(token: string): Promise<void> {
    this.db.prepare('DELETE FROM staff_sessions WHERE token = ?').run(token);
  }

  async logAudit(actor: string, action: string, detail: string): Promise<void> {
    this.db.prepare('INSERT INTO audit_log (at, actor, action, detail) VALUES (?, ?, ?, ?)').run(Date.now(), actor, action, detail);
  }

  async listAudit(limit: number) {
    const rows = this.db.prepare('SELECT * FROM audit_log ORDER BY id DESC LIMIT ?').all(limit) as
      { at: number; actor: string; action: string; detail: string }[];
    return rows.map((r) => ({ at: new Date(r.at), actor: r.actor, action: r.action, detail: r.detail }));
  }
}
