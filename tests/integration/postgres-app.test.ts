import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, tempDir, type TestApp } from '../helpers/app.js';
import { PG_URL, needs } from '../helpers/services.js';

const ready = await needs('postgres');
const schema = `app_${crypto.randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: PG_URL });
let t: TestApp;

beforeAll(async () => {
  if (!ready) return;
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  t = await startTestApp({ DATABASE_URL: `${PG_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}` });
});
afterAll(async () => {
  if (!ready) return;
  await t?.stop();
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.end();
});

describe.skipIf(!ready)('the bot on PostgreSQL (DATABASE_URL)', () => {
  it('chats, records and keeps state across a restart', async () => {
    expect((await t.chat('pg-1', { text: 'xin chào' }))[0]!.text).toMatch(/Xin chào/);
    const q = (await t.chat('pg-1', { payload: 'QZ:start:lua-dao' })).at(-1)!;
    await t.chat('pg-1', { payload: q.buttons[0]!.payload });
    await t.restart();
    expect((await t.chat('pg-1', { payload: 'QZ:resume' }))[0]!.text).toMatch(/^Câu 2\/12/);
    const { rows } = await admin.query(`SELECT type, COUNT(*)::int AS n FROM ${schema}.events GROUP BY type ORDER BY type`);
    expect(rows).toEqual([{ type: 'contact', n: 1 }, { type: 'quiz_started', n: 1 }]);
  });

  it('never loads the better-sqlite3 native addon', async () => {
    const env = { ...process.env, DATA_DIR: tempDir(), DATABASE_URL: `${PG_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}` };
    const run = (extra: Record<string, string>) => promisify(execFile)(process.execPath, ['--import', 'tsx', 'tests/helpers/native-addons.ts'], { env: { ...env, ...extra } });
    const onPostgres = JSON.parse((await run({})).stdout) as string[];
    expect(onPostgres.some((f) => f.includes('hnswlib'))).toBe(true); // the check sees addons at all
    expect(onPostgres.filter((f) => f.includes('better_sqlite3'))).toEqual([]);
    const onSqlite = JSON.parse((await run({ DATABASE_URL: '' })).stdout) as string[];
    expect(onSqlite.some((f) => f.includes('better_sqlite3'))).toBe(true);
  });
});
