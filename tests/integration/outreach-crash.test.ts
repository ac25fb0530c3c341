import crypto from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDataDir, startBot, type Bot } from '../helpers/fake-server.js';
import { FakeTelegram, TG_TOKEN } from '../helpers/fake-telegram.js';
import { adminApi, ADMIN_TOKEN, TG_SECRET } from '../helpers/outreach.js';
import { spawnServer } from '../helpers/server-process.js';
import { postgresStore, sqliteStore } from '../helpers/stores.js';
import { waitFor } from '../helpers/wait.js';
import type { Store } from '../../src/storage/ports.js';

/**
 * kill -9 in the middle of a 300-recipient announcement: after a restart (or on the other instance) every
 * recipient gets it exactly once. The platform holds the message in flight when the server dies, so it never
 * counts as delivered, as on a real network; the server's claim on it runs out and it is sent again.
 */

const RECIPIENTS = 300;
const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/test';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const TEXT = 'Thông báo: lớp học kỹ năng số tại nhà văn hóa xã sáng thứ Bảy.';
let fake: FakeTelegram;
beforeAll(async () => { fake = await FakeTelegram.start(); });
afterAll(async () => { await fake.close(); });

const chatIds = Array.from({ length: RECIPIENTS }, (_, i) => String(90_000_001 + i));

/** Subscribers as the database holds them (a contact and an opt-in each). */
async function seed(store: Store): Promise<void> {
  await store.migrate();
  const at = new Date();
  for (const id of chatIds) {
    const userKey = crypto.createHash('sha256').update(id).digest('base64url').slice(0, 22);
    await store.outreach.subscriptions.saveContact({ userKey, channel: 'telegram', userId: id, lastSeen: at });
    await store.outreach.subscriptions.subscribe(userKey, 'telegram', at);
  }
  await store.close();
}

/** How many copies of the announcement each recipient got. */
function copies(): Map<string, number> {
  const n = new Map<string, number>();
  for (const s of fake.sent) if (s.text.startsWith(TEXT)) n.set(String(s.chat_id), (n.get(String(s.chat_id)) ?? 0) + 1);
  return n;
}

/** Sends the announcement through the first server, kills it with SIGKILL mid-way, and returns its id. */
async function sendAndKill(env: Record<string, string>, after: number): Promise<string> {
  const server = spawnServer(env);
  let url = '';
  try {
    url = await server.url();
    const admin = adminApi(() => url);
    const draft = await admin.post('/api/admin/broadcasts', { text: TEXT });
    expect(draft.body.audience).toEqual({ total: RECIPIENTS, byChannel: { telegram: { now: RECIPIENTS, later: 0, outside: 0 } } });
    expect((await admin.post(`/api/admin/broadcasts/${draft.body.id}/send`)).status).toBe(202);
    await waitFor(() => fake.sent.length >= after, `${after} messages`, 30_000);
    // The next message is on its way when the server dies.
    const hold = fake.server.hold((r) => r.path.endsWith('/sendMessage'));
    await waitFor(() => hold.waiting === 1, 'a message in flight');
    await server.kill();
    await waitFor(() => hold.waiting === 0, 'the killed server\'s request to drop');
    hold.release();
    return draft.body.id as string;
  } finally {
    await server.kill();
  }
}

async function expectEveryoneOnce(bot: Bot, id: string): Promise<void> {
  const admin = adminApi(() => bot.url);
  const done = await waitFor(async () => {
    const r = await admin.get(`/api/admin/broadcasts/${id}`);
    return r.body.status === 'done' ? r.body : undefined;
  }, 'the announcement to finish after the restart', 60_000);
  expect(done.counts).toEqual({ sent: RECIPIENTS, failed: 0, later: 0, skipped: 0, pending: 0 });
  const got = copies();
  expect(got.size).toBe(RECIPIENTS);
  expect([...got.values()].every((n) => n === 1)).toBe(true);
  expect(chatIds.every((id) => got.get(id) === 1)).toBe(true);
}

const base = () => ({
  TELEGRAM_BOT_TOKEN: TG_TOKEN, TELEGRAM_WEBHOOK_SECRET: TG_SECRET, TELEGRAM_API_ROOT: fake.url, ADMIN_TOKEN,
  // Short claims, so the restarted server takes over the message in flight within a second.
  INBOX_LEASE_MS: '1000', INBOX_SWEEP_MS: '100',
});

describe('an announcement survives kill -9', () => {
  it('embedded (SQLite, in-process job): restart, every recipient exactly once', async () => {
    fake.sent.length = 0;
    const dataDir = freshDataDir();
    await seed(sqliteStore(path.join(dataDir, 'bot.sqlite')));
    const env = { ...base(), DATA_DIR: dataDir };
    const id = await sendAndKill(env, 100);
    const before = copies().size;
    expect(before).toBeGreaterThanOrEqual(100);
    expect(before).toBeLessThan(RECIPIENTS);
    const bot = await startBot(env, { dataDir });
    try {
      await expectEveryoneOnce(bot, id);
    } finally {
      await bot.stop();
    }
  });

  it('scaled out (PostgreSQL, BullMQ on Redis): the other instance takes the job over, every recipient exactly once', async () => {
    fake.sent.length = 0;
    const schema = `crash_${crypto.randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    const DATABASE_URL = `${PG_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    // Each run its own deployment secret: its own BullMQ queue on the shared Redis.
    const env = { ...base(), DATABASE_URL, REDIS_URL, PSEUDONYM_SECRET: crypto.randomBytes(16).toString('hex') };
    let other: Bot | undefined;
    try {
      await seed(postgresStore(DATABASE_URL));
      const id = await sendAndKill(env, 100);
      other = await startBot(env);
      await expectEveryoneOnce(other, id);
    } finally {
      await other?.stop();
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    }
  });
});
