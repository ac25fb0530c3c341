/**
 * The one difference between the embedded SQLite and PostgreSQL, as the SQL stores see it: how a
 * statement is run (placeholders, result shape), a few column type names, and which clock "now" is.
 * Every statement is written once, with `?` placeholders, in the SQL both databases accept.
 */
export interface SqlDriver {
  readonly kind: 'sqlite' | 'postgres';
  /** Column types that differ: an auto-increment key, 64-bit integers (epoch ms), JSON documents, booleans. */
  readonly types: { id: string; bigint: string; json: string; bool: string };
  /**
   * SQL for "now" in epoch milliseconds. PostgreSQL reads the database's clock, so instances whose clocks
   * disagree still agree on when a lease ends; SQLite (one process) calls the store's clock.
   */
  now(): string;
  query<R>(sql: string, params?: unknown[]): Promise<R[]>;
  /** Runs one statement; resolves to the number of rows it changed. */
  run(sql: string, params?: unknown[]): Promise<number>;
  /** Runs the statements in one transaction; resolves to each one's changed-row count. */
  batch(statements: [sql: string, params: unknown[]][]): Promise<number[]>;
  /** Applies the migrations not applied yet, in order, each in its own transaction; one migrator at a time. */
  migrate(migrations: string[]): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Replaces the `{id}`, `{bigint}`, `{json}` and `{bool}` tokens of a schema statement with the driver's types. */
export function ddl(driver: SqlDriver, sql: string): string {
  return sql.replace(/\{(id|bigint|json|bool)\}/g, (_, t: keyof SqlDriver['types']) => driver.types[t]);
}

/** A number column read back: SQLite gives numbers, PostgreSQL BIGINT gives strings. */
export const num = (v: unknown): number => Number(v);
export const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
