import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { SqlDriver } from './driver.js';

/** The embedded default: one file, WAL; an acknowledged write survives a process crash (not a power cut mid-fsync). */
export class SqliteDriver implements SqlDriver {
  readonly kind = 'sqlite' as const;
  readonly types = { id: 'INTEGER PRIMARY KEY AUTOINCREMENT', bigint: 'INTEGER', json: 'TEXT', bool: 'INTEGER' };
  private db: Database.Database;
  /** Prepared statements by SQL text: preparing costs more than running (the SQL strings are a small fixed set). */
  private statements = new Map<string, Database.Statement>();
  /** Writes asked for since the last commit (see run). */
  private pending: { sql: string; params: unknown[]; resolve: (changes: number) => void; reject: (err: unknown) => void }[] = [];

  constructor(file: string, clock: () => number = Date.now) {
    if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    // "Now" is the store's clock (tests move it by hand), read through a function so statements stay cacheable.
    this.db.function('bot_now', { deterministic: false }, () => Math.floor(clock()));
    // Erased personal data is overwritten in the file, not left in free pages.
    this.db.pragma('secure_delete = ON');
  }

  now(): string {
    return 'bot_now()';
  }

  async query<R>(sql: string, params: unknown[] = []): Promise<R[]> {
    return this.statement(sql).all(...params) as R[];
  }

  /**
   * Writes asked for in the same turn of the event loop (one message's events and state, and other people's) are
   * committed together, in one transaction, before any of them resolves: a commit costs more than a row. A read
   * sees a write once it has resolved, as with any database; batches keep their order after earlier writes.
   */
  run(sql: string, params: unknown[] = []): Promise<number> {
    return new Promise((resolve, reject) => {
      if (this.pending.push({ sql, params, resolve, reject }) === 1) setImmediate(() => this.flush());
    });
  }

  async batch(statements: [string, unknown[]][]): Promise<number[]> {
    this.flush();
    return this.db.transaction(() => statements.map(([sql, params]) => this.statement(sql).run(...params).changes)).immediate();
  }

  private flush(): void {
    const writes = this.pending;
    if (!writes.length) return;
    this.pending = [];
    const one = (w: (typeof writes)[number]) => this.statement(w.sql).run(...w.params).changes;
    let changes: number[];
    try {
      changes = this.db.transaction(() => writes.map(one)).immediate();
    } catch {
      // One write failed, and with it the group: each is done alone, so only the failing one fails.
      for (const w of writes) {
        try { w.resolve(one(w)); } catch (err) { w.reject(err); }
      }
      return;
    }
    writes.forEach((w, i) => w.resolve(changes[i]!));
  }

  private statement(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  async migrate(migrations: string[]): Promise<void> {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
    const done = new Set(this.db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[]);
    migrations.forEach((sql, i) => {
      if (done.has(i + 1)) return;
      this.db.transaction(() => {
        this.db.exec(sql);
        this.db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(i + 1, Date.now());
      })();
    });
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    this.flush();
    if (this.db.open) this.db.close();
  }
}
