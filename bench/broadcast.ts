/**
 * Announcement benchmark against the local Telegram fake (no network): how fast an announcement goes out,
 * the most messages in any one second (Telegram asks for about 30 at most), and what a kill -9 mid-send
 * costs: the server is killed with no warning (no held request, unlike the test), restarted, and every
 * recipient's copies are counted.
 *
 *   npm run bench:broadcast              # 1000 recipients, then a kill -9 run with 300
 *   npm run bench:broadcast -- 3000 500  # other sizes
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SqliteDriver } from '../src/storage/sql/sqlite-driver.js';
import { sqlStore } from '../src/storage/sql/store.js';
import { FakeTelegram, TG_TOKEN } from '../tests/helpers/fake-telegram.js';
import { spawnServer } from '../tests/helpers/server-process.js';

const [sendSize, killSize] = [Number(process.argv[2] ?? 1000), Number(process.argv[3] ?? 300)];
const TOKEN = 'bench-admin-token-1234567';

async function seed(dataDir: string, n: number): Promise<string[]> {
  const store = sqlStore(new SqliteDriver(path.join(dataDir, 'bot.sqlite')));
  await store.migrate();
  const ids = Array.from({ length: n }, (_, i) => String(80_000_000 + i));
  for (const id of ids) {
    const userKey = crypto.createHash('sha256').update(id).digest('base64url').slice(0, 22);
    await store.outreach.subscriptions.saveContact({ userKey, channel: 'telegram', userId: id, lastSeen: new Date() });
    await store.outreach.subscriptions.subscribe(userKey, 'telegram', new Date());
  }
  await store.close();
  return ids;
}

async function call(url: string, method: string, p: string, body?: unknown): Promise<any> {
  const res = await fetch(`${url}${p}`, { method, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
  return res.json();
}

async function until(check: () => Promise<boolean> | boolean, ms = 600_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The most requests in any window of one second. */
function peakPerSecond(times: number[]): number {
  let best = 0;
  for (let i = 0, j = 0; j < times.length; j++) {
    while (times[j]! - times[i]! >= 1000) i++;
    best = Math.max(best, j - i + 1);
  }
  return best;
}

async function run(fake: FakeTelegram, n: number, killAfter?: number): Promise<void> {
  fake.sent.length = 0;
  fake.server.requests.length = 0;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bdhvs-bench-bc-'));
  const ids = await seed(dataDir, n);
  const env = { TELEGRAM_BOT_TOKEN: TG_TOKEN, TELEGRAM_WEBHOOK_SECRET: 'bench_secret', TELEGRAM_API_ROOT: fake.url, ADMIN_TOKEN: TOKEN, DATA_DIR: dataDir, INBOX_LEASE_MS: '2000', INBOX_SWEEP_MS: '200' };
  let server = spawnServer(env);
  let url = await server.url();
  const draft = await call(url, 'POST', '/api/admin/broadcasts', { text: 'Thông báo thử nghiệm' });
  const started = Date.now();
  await call(url, 'POST', `/api/admin/broadcasts/${draft.id}/send`);
  let killedAt = -1;
  if (killAfter !== undefined) {
    await until(() => fake.sent.length >= killAfter);
    await server.kill();
    killedAt = fake.sent.length;
    server = spawnServer(env);
    url = await server.url();
  }
  await until(async () => (await call(url, 'GET', `/api/admin/broadcasts/${draft.id}`)).status === 'done');
  const ms = Date.now() - started;
  const view = await call(url, 'GET', `/api/admin/broadcasts/${draft.id}`);
  await server.kill();
  const times = fake.server.requests.filter((r) => r.path.endsWith('/sendMessage')).map((r) => r.at).sort((a, b) => a - b);
  const copies = new Map<string, number>();
  for (const s of fake.sent) copies.set(String(s.chat_id), (copies.get(String(s.chat_id)) ?? 0) + 1);
  const missing = ids.filter((id) => !copies.has(id)).length;
  const duplicates = [...copies.values()].filter((c) => c > 1).length;
  const sustained = (times.length - 1) / ((times.at(-1)! - times[0]!) / 1000);
  if (killAfter === undefined) {
    console.log(`${n} recipients: ${(ms / 1000).toFixed(1)} s, ${sustained.toFixed(1)} messages/s sustained, at most ${peakPerSecond(times)} in any second; sent ${view.counts.sent}, missing ${missing}, duplicates ${duplicates}`);
  } else {
    console.log(`${n} recipients, kill -9 after ${killedAt} delivered: restart finished in ${(ms / 1000).toFixed(1)} s from the first send; sent ${view.counts.sent}, missing ${missing}, duplicates ${duplicates}`);
  }
}

const fake = await FakeTelegram.start();
try {
  await run(fake, sendSize);
  await run(fake, killSize, Math.floor(killSize / 3));
} finally {
  await fake.close();
}
