import crypto from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { PG_URL, REDIS_URL, needs } from '../helpers/services.js';

// Two bot instances on one PostgreSQL schema and the machine's Redis, as behind a load balancer.
const ready = await needs('postgres', 'redis');
const schema = `scale_${crypto.randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: PG_URL });
let a: TestApp;
let b: TestApp;

beforeAll(async () => {
  if (!ready) return;
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  const env = { DATABASE_URL: `${PG_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`, REDIS_URL, WEBCHAT_LIMIT_PER_USER: '12' };
  a = await startTestApp(env);
  b = await startTestApp(env);
});
afterAll(async () => {
  if (!ready) return;
  await a?.stop();
  await b?.stop();
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.end();
});

describe.skipIf(!ready)('scale-out on PostgreSQL + Redis', () => {
  it('handles one user\'s simultaneous messages on two instances one at a time', async () => {
    // A new user's first messages arrive at both instances at once: they are greeted and counted once.
    await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).chat(`twin-1-${schema}`, { text: 'nghị quyết 57 là gì' })));
    const { rows } = await admin.query(`SELECT COUNT(*)::int AS n FROM ${schema}.events WHERE type = 'contact'`);
    expect(rows[0].n).toBe(1);
  });

  it('accepts one answer when the same quiz button is pressed on both instances', async () => {
    const q = (await a.chat(`twin-2-${schema}`, { payload: 'QZ:start:mat-khau' })).at(-1)!;
    const both = await Promise.all([a, b].map((x) => x.chat(`twin-2-${schema}`, { payload: q.buttons[0]!.payload })));
    const verdicts = both.map((r) => r[0]!.text);
    expect(verdicts.filter((t) => /^(✅|❌)/.test(t))).toHaveLength(1);
    expect(verdicts.filter((t) => /Câu đó đã qua rồi/.test(t))).toHaveLength(1);
  });
});

describe.skipIf(!ready)('shared rate limits', () => {
  it('counts one user\'s web chat messages across both instances', async () => {
    const send = (x: TestApp) => fetch(`${x.url}/api/chat`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId: `burst-${schema}`, text: 'menu' }),
    }).then((r) => r.status);
    const statuses = [];
    for (let i = 0; i < 14; i++) statuses.push(await send(i % 2 ? a : b));
    expect(statuses.filter((s) => s === 200)).toHaveLength(12);
    expect(statuses.slice(12)).toEqual([429, 429]);
  });
});
