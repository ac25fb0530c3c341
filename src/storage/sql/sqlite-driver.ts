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

  async run(sql: string, params: unknown[] = []): Promise<number> {
    return this.statement(sql).run(...params).changes;
  }

  async batch(statements: [string, unknown[]][]): Promise<number[]> {
    return this.db.transaction(() => statements.map(([sql, params]) => this.statement(sql).run(...params).changes)).immediate();
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
    if (this.db.open) this.db.close();
  }
}
