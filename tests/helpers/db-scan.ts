import Database from 'better-sqlite3';
import pg from 'pg';

/** Where a needle was found: "table.column". */
export type Hit = `${string}.${string}: ${string}`;

/**
 * Looks for each needle in every column of every row of every table of the database, whatever the tables
 * are (tables added later are covered without touching this). Values are compared as text: JSON documents,
 * numbers and keys alike.
 */
export async function scanSqlite(file: string, needles: string[]): Promise<Hit[]> {
  const db = new Database(file, { readonly: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").pluck().all() as string[];
    const hits: Hit[] = [];
    for (const table of tables) {
      for (const row of db.prepare(`SELECT * FROM "${table}"`).all() as Record<string, unknown>[]) hits.push(...matches(table, row, needles));
    }
    return hits;
  } finally {
    db.close();
  }
}

export async function scanPostgres(url: string, schema: string, needles: string[]): Promise<Hit[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows: tables } = await client.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE'", [schema]);
    const hits: Hit[] = [];
    for (const { table_name: table } of tables) {
      // Every column as text, so JSONB and numbers are searched like the rest.
      const { rows } = await client.query<Record<string, unknown>>(`SELECT to_jsonb(t)::text AS row FROM "${schema}"."${table}" t`);
      for (const r of rows) hits.push(...matches(table, JSON.parse(String(r.row)) as Record<string, unknown>, needles));
    }
    return hits;
  } finally {
    await client.end();
  }
}

function matches(table: string, row: Record<string, unknown>, needles: string[]): Hit[] {
  const hits: Hit[] = [];
  for (const [column, value] of Object.entries(row)) {
    if (value === null || value === undefined) continue;
    const text = (typeof value === 'object' && !Buffer.isBuffer(value) ? JSON.stringify(value) : String(value)).normalize('NFC');
    for (const n of needles) if (text.includes(n.normalize('NFC'))) hits.push(`${table}.${column}: ${n}`);
  }
  return hits;
}
