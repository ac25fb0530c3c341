import pg from 'pg';
import type { SqlDriver } from './driver.js';

/** `?` placeholders (shared with SQLite) to PostgreSQL's `$n`. */
const numbered = (sql: string) => {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
};

/** Scale-out: a pool of connections to one PostgreSQL database shared by every instance. */
export class PostgresDriver implements SqlDriver {
  readonly kind = 'postgres' as const;
  readonly types = { id: 'BIGSERIAL PRIMARY KEY', bigint: 'BIGINT', json: 'JSONB', bool: 'BOOLEAN' };
  private pool: pg.Pool;

  constructor(connectionString: string) {
    this.pool = new pg.Pool({ connectionString, max: 10 });
    // An idle client losing its connection must not take the process down.
    this.pool.on('error', () => undefined);
  }

  now(): string {
    return '(extract(epoch from clock_timestamp()) * 1000)::bigint';
  }

  async query<R>(sql: string, params: unknown[] = []): Promise<R[]> {
    return (await this.pool.query(numbered(sql), params)).rows as R[];
  }

  async run(sql: string, params: unknown[] = []): Promise<number> {
    return (await this.pool.query(numbered(sql), params)).rowCount ?? 0;
  }

  async batch(statements: [string, unknown[]][]): Promise<number[]> {
    return this.inTransaction(async (client) => {
      const counts: number[] = [];
      for (const [sql, params] of statements) counts.push((await client.query(numbered(sql), params)).rowCount ?? 0);
      return counts;
    });
  }

  async migrate(migrations: string[]): Promise<void> {
    const client = await this.pool.connect();
    try {
      // One migrator at a time across instances.
      await client.query('SELECT pg_advisory_lock(5717)');
      await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)');
      const done = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
      for (const [i, sql] of migrations.entries()) {
        if (done.has(i + 1)) continue;
        await transaction(client, async () => {
          await client.query(sql);
          await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [i + 1, Date.now()]);
        });
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock(5717)').catch(() => undefined);
      client.release();
    }
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private async inTransaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      return await transaction(client, () => work(client));
    } finally {
      client.release();
    }
  }
}

async function transaction<T>(client: pg.PoolClient, work: () => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    const result = await work();
    await client.query('COMMIT');
    return result;
  } catch (e) {
    await client.query('ROLLBACK');
    throw e;
  }
}
