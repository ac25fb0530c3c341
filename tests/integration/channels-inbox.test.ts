import crypto from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { openStore } from '../../src/storage/index.js';
import type { Store } from '../../src/storage/ports.js';
import { FakeMessenger, FB_APP_SECRET, FB_PAGE_TOKEN, FB_VERIFY_TOKEN, fbBody, fbEvent, fbSign } from '../helpers/fake-messenger.js';
import { freshDataDir, metric, startBot, type Bot, type FakeServer } from '../helpers/fake-server.js';
import { FakeTelegram, TG_TOKEN, tgTextUpdate } from '../helpers/fake-telegram.js';
import { FakeZalo, ZALO_APP_ID, ZALO_APP_SECRET, ZALO_OA_SECRET, zaloSign, zaloText } from '../helpers/fake-zalo.js';
import { waitFor } from '../helpers/wait.js';
import { spawnServer } from '../helpers/server-process.js';
import { PG_URL, needs } from '../helpers/services.js';

/**
 * Acknowledged means stored: a webhook is answered 200 only once its event is in the inbox, and a message
 * whose handling a crash cut short is replayed at the next start, answered once.
 */

const pgReady = await needs('postgres');
const TG_SECRET = 'tg_webhook-Secret_123';
let telegram: FakeTelegram;
let messenger: FakeMessenger;
let zalo: FakeZalo;
let bot: Bot | undefined;

beforeAll(async () => {
  [telegram, messenger, zalo] = await Promise.all([FakeTelegram.start(), FakeMessenger.start(), FakeZalo.start()]);
});
afterAll(async () => {
  await Promise.all([telegram.close(), messenger.close(), zalo.close()]);
});
beforeEach(() => {
  telegram.sent.length = 0;
  telegram.server.requests.length = 0;
  messenger.sent.length = 0;
  messenger.server.requests.length = 0;
  zalo.reset(['at-live'], ['rt-1']);
});
afterEach(async () => {
  await bot?.stop();
  bot = undefined;
});

/** One platform, seen the same way by every test: its settings, a signed delivery, what the user got. */
interface Platform {
  channel: 'telegram' | 'messenger' | 'zalo';
  env(): Record<string, string>;
  /** A text message from `user`, with its platform id. */
  message(text: string, user: string): { id: string; body: Record<string, unknown> };
  post(url: string, body: Record<string, unknown>): Promise<Response>;
  server(): FakeServer;
  isSend(path: string): boolean;
  /** Texts the platform accepted for `user`, in order. */
  texts(user: string): string[];
}

const post = (url: string, raw: string, headers: Record<string, string>) =>
  fetch(url, { method: 'POST', body: raw, headers: { 'content-type': 'application/json', ...headers } });

const platforms: Platform[] = [
  {
    channel: 'telegram',
    env: () => ({ TELEGRAM_BOT_TOKEN: TG_TOKEN, TELEGRAM_WEBHOOK_SECRET: TG_SECRET, TELEGRAM_API_ROOT: telegram.url }),
    message: (text, user) => {
      const body = tgTextUpdate(text, Number(user));
      return { id: String(body.update_id), body };
    },
    post: (url, body) => post(`${url}/webhooks/telegram`, JSON.stringify(body), { 'x-telegram-bot-api-secret-token': TG_SECRET }),
    server: () => telegram.server,
    isSend: (p) => p.endsWith('/sendMessage'),
    texts: (user) => telegram.sent.filter((s) => String(s.chat_id) === user).map((s) => s.text),
  },
  {
    channel: 'messenger',
    env: () => ({
      MESSENGER_PAGE_ACCESS_TOKEN: FB_PAGE_TOKEN, MESSENGER_APP_SECRET: FB_APP_SECRET,
      MESSENGER_VERIFY_TOKEN: FB_VERIFY_TOKEN, MESSENGER_GRAPH_URL: messenger.graphUrl,
    }),
    message: (text, user) => {
      const ev = fbEvent({ psid: user, text });
      return { id: (ev.message as { mid: string }).mid, body: fbBody([ev]) };
    },
    post: (url, body) => {
      const raw = JSON.stringify(body);
      return post(`${url}/webhooks/messenger`, raw, { 'x-hub-signature-256': fbSign(raw) });
    },
    server: () => messenger.server,
    isSend: (p) => p.endsWith('/me/messages'),
    texts: (user) => messenger.sent.filter((s) => s.recipient.id === user).map((s) => s.message.text),
  },
  {
    channel: 'zalo',
    env: () => ({
      ZALO_APP_ID, ZALO_APP_SECRET, ZALO_OA_SECRET_KEY: ZALO_OA_SECRET, ZALO_ACCESS_TOKEN: 'at-live', ZALO_REFRESH_TOKEN: 'rt-1',
      ZALO_API_URL: zalo.url, ZALO_OAUTH_URL: zalo.url,
    }),
    message: (text, user) => {
      const body = zaloText(text, user);
      return { id: (body.message as { msg_id: string }).msg_id, body };
    },
    post: (url, body) => {
      const raw = JSON.stringify(body);
      return post(`${url}/webhooks/zalo`, raw, { 'x-zevent-signature': zaloSign(raw, String(body.timestamp)) });
    },
    server: () => zalo.server,
    isSend: (p) => p === '/v3.0/oa/message/cs',
    texts: (user) => zalo.sent.filter((s) => s.recipient.user_id === user).map((s) => s.message.text),
  },
];

// The menu's text (on Zalo its seven choices follow as a numbered list).
const MENU = expect.stringMatching(/^Bạn muốn làm gì\?/);
const HELP = /^Cách dùng trợ lý/;


async function withStorage<T>(dataDir: string, fn: (s: Store) => Promise<T>): Promise<T> {
  const storage = await openStore(loadConfig({ DATA_DIR: dataDir }));
  try {
    return await fn(storage);
  } finally {
    await storage.close();
  }
}

/** Pending rows as stored, leased or not (pendingInbound hides the leased ones). */
function pendingIds(dataDir: string, channel: string): string[] {
  const db = new Database(path.join(dataDir, 'bot.sqlite'), { readonly: true });
  try {
    return db.prepare(`SELECT message_id FROM inbox WHERE channel = ? AND status = 'pending' ORDER BY received_at`).pluck().all(channel) as string[];
  } finally {
    db.close();
  }
}

/** Leases short enough that a test waits for one to run out in well under a second, and frequent sweeps. */
const SHORT_LEASE = { INBOX_LEASE_MS: '500', INBOX_SWEEP_MS: '20' };

describe.each(platforms)('$channel inbox', (p) => {
  it('a crash after the 200 loses nothing: the message is answered once after the restart, and its redelivery is dropped', async () => {
    const dataDir = freshDataDir();
    const user = '31000001';
    // The platform is slow: the reply is on its way when the server is killed.
    const hold = p.server().hold((r) => p.isSend(r.path));
    const server = spawnServer({ ...p.env(), ...SHORT_LEASE, DATA_DIR: dataDir });
    let restarted = false;
    try {
      const url = await server.url();
      const first = p.message('menu', user);
      expect((await p.post(url, first.body)).status).toBe(200);
      // The 200 came after the event was stored.
      expect(pendingIds(dataDir, p.channel)).toEqual([first.id]);
      await waitFor(() => hold.waiting === 1, 'the reply to reach the platform');
      await server.kill();
      await waitFor(() => hold.waiting === 0, 'the killed server\'s request to drop');
      hold.release();
      expect(p.texts(user)).toEqual([]);

      // The killed server's lease on the message runs out, then the new one answers it.
      bot = await startBot({ ...p.env(), ...SHORT_LEASE }, { dataDir });
      restarted = true;
      await waitFor(() => p.texts(user).length >= 1, 'the replayed answer');
      // The platform delivers the same message again: stored already, so dropped before the 200.
      expect((await p.post(bot.url, first.body)).status).toBe(200);
      expect((await p.post(bot.url, p.message('hướng dẫn', user).body)).status).toBe(200);
      await waitFor(() => p.texts(user).length >= 2, 'the next answer');
      await bot.stop();
      bot = undefined;
      expect(p.texts(user)[0]).toEqual(MENU);
      expect(p.texts(user)[1]).toMatch(HELP);
      expect(p.texts(user)).toHaveLength(2);
      expect(pendingIds(dataDir, p.channel)).toEqual([]);
    } finally {
      hold.release();
      if (!restarted) await server.kill();
    }
  });

  it('answers 503 when the event cannot be stored, sends nothing, and answers the redelivery once', async () => {
    bot = await startBot(p.env());
    const db = new Database(path.join(bot.dataDir, 'bot.sqlite'));
    const user = '31000002';
    const msg = p.message('menu', user);
    try {
      db.exec('ALTER TABLE inbox RENAME TO inbox_away');
      expect((await p.post(bot.url, msg.body)).status).toBe(503);
    } finally {
      db.exec('ALTER TABLE inbox_away RENAME TO inbox');
      db.close();
    }
    expect((await p.post(bot.url, msg.body)).status).toBe(200);
    expect((await p.post(bot.url, p.message('hướng dẫn', user).body)).status).toBe(200);
    await waitFor(() => p.texts(user).length >= 2, 'both answers');
    expect(p.texts(user)[0]).toEqual(MENU);
    expect(p.texts(user)).toHaveLength(2);
    expect(p.server().requests.filter((r) => p.isSend(r.path))).toHaveLength(2);
  });
});

describe('inbox replay', () => {
  const zaloPlatform = platforms[2]!;
  const messengerPlatform = platforms[1]!;

  it('replays each user\'s pending messages in the order they were received', async () => {
    const dataDir = freshDataDir();
    const t0 = Date.now() - 60_000;
    const rows: [user: string, text: string, at: number][] = [
      ['41000001', 'hỏi đáp', t0 + 3], ['41000002', 'hướng dẫn', t0 + 2], ['41000001', 'menu', t0 + 1], ['41000001', 'hướng dẫn', t0 + 2],
    ];
    await withStorage(dataDir, async (s) => {
      await s.migrate();
      for (const [user, text, at] of rows) {
        const m = zaloPlatform.message(text, user);
        await s.inbox.enqueueInbound({ channel: 'zalo', messageId: m.id, userId: user, event: JSON.stringify(m.body), receivedAt: new Date(at) });
      }
    });
    bot = await startBot(zaloPlatform.env(), { dataDir });
    await waitFor(() => zaloPlatform.texts('41000001').length >= 3 && zaloPlatform.texts('41000002').length >= 1, 'the replayed answers');
    expect(zaloPlatform.texts('41000001').map((t) => t.slice(0, 12))).toEqual(['Bạn muốn làm', 'Cách dùng tr', 'Mời bạn gõ c']);
    expect(zaloPlatform.texts('41000002')[0]).toMatch(HELP);
    expect(await metric(bot, 'bot_inbox_recovered_total', { channel: 'zalo', how: 'replay' })).toBe(4);
    await bot.stop();
    bot = undefined;
    expect(pendingIds(dataDir, 'zalo')).toEqual([]);
  });

  it('gives up a message after 5 failed attempts (counted, marked done); the 5th attempt still runs', async () => {
    const dataDir = freshDataDir();
    const poison = zaloPlatform.message('menu', '42000001');
    const lastChance = zaloPlatform.message('menu', '42000002');
    await withStorage(dataDir, async (s) => {
      await s.migrate();
      for (const [m, user, attempts] of [[poison, '42000001', 5], [lastChance, '42000002', 4]] as const) {
        await s.inbox.enqueueInbound({ channel: 'zalo', messageId: m.id, userId: user, event: JSON.stringify(m.body), receivedAt: new Date(Date.now() - 1000) });
        // Each earlier run counted its attempt, then died before finishing.
        for (let i = 0; i < attempts; i++) expect(await s.inbox.attemptInbound('zalo', m.id, i, 0)).toBe(true);
      }
    });
    bot = await startBot(zaloPlatform.env(), { dataDir });
    await waitFor(() => zaloPlatform.texts('42000002').length >= 1, 'the answer on the 5th attempt');
    await waitFor(async () => (await metric(bot!, 'bot_inbox_given_up_total', { channel: 'zalo' })) === 1, 'the give-up');
    expect(zaloPlatform.texts('42000001')).toEqual([]);
    await bot.stop();
    bot = undefined;
    expect(pendingIds(dataDir, 'zalo')).toEqual([]);
  });

  it('applies Messenger\'s 24-hour window to a replayed message by the platform\'s time', async () => {
    const dataDir = freshDataDir();
    const stale = fbEvent({ psid: '43000001', text: 'menu', timestamp: Date.now() - 25 * 3600_000 });
    const fresh = fbEvent({ psid: '43000002', text: 'menu' });
    await withStorage(dataDir, async (s) => {
      await s.migrate();
      for (const ev of [stale, fresh]) {
        const user = (ev.sender as { id: string }).id;
        // Stored just now (the server died right after acknowledging), but written by the user 25 hours ago.
        await s.inbox.enqueueInbound({ channel: 'messenger', messageId: (ev.message as { mid: string }).mid, userId: user, event: JSON.stringify(ev), receivedAt: new Date(Date.now() - 1000) });
      }
    });
    bot = await startBot(messengerPlatform.env(), { dataDir });
    await waitFor(() => messengerPlatform.texts('43000002').length >= 1, 'the answer inside the window');
    await waitFor(async () => (await metric(bot!, 'bot_messages_sent_total', { channel: 'messenger', outcome: 'outside_window' })) === 1, 'the drop');
    expect(messengerPlatform.texts('43000001')).toEqual([]);
    await bot.stop();
    bot = undefined;
    expect(pendingIds(dataDir, 'messenger')).toEqual([]);
  });

  it('Telegram long polling moves the offset past an update only once it is stored', async () => {
    bot = await startBot({ TELEGRAM_BOT_TOKEN: TG_TOKEN, TELEGRAM_API_ROOT: telegram.url }, { channels: { telegramPollTimeoutSec: 1 } });
    const db = new Database(path.join(bot.dataDir, 'bot.sqlite'));
    const update = tgTextUpdate('menu', 45000001);
    const offsets = () => telegram.calls('getUpdates').map((r) => Number(r.body.offset ?? 0));
    try {
      db.exec('ALTER TABLE inbox RENAME TO inbox_away');
      const seen = offsets().length;
      telegram.pushUpdate(update);
      // Fetched again and again without confirming it to Telegram.
      await waitFor(() => offsets().length > seen + 2, 'getUpdates to be repeated');
      expect(telegram.sent.filter((x) => String(x.chat_id) === '45000001')).toEqual([]);
      expect(Math.max(...offsets())).toBeLessThanOrEqual(Number(update.update_id));
    } finally {
      db.exec('ALTER TABLE inbox_away RENAME TO inbox');
      db.close();
    }
    await waitFor(() => telegram.sent.some((x) => String(x.chat_id) === '45000001'), 'the answer once stored');
    await waitFor(() => Math.max(...offsets()) > Number(update.update_id), 'the offset to move on');
    await bot.stop();
    bot = undefined;
    expect(telegram.sent.filter((x) => String(x.chat_id) === '45000001').map((x) => x.text)).toEqual([MENU]);
  });

  it('a stop that gives up on a slow platform leaves the message pending, and the next start answers it once', async () => {
    const tg = platforms[0]!;
    const hold = telegram.server.hold((r) => tg.isSend(r.path));
    try {
      const first = (bot = await startBot(tg.env(), { channels: { outbound: { drainTimeoutMs: 100 } } }));
      const msg = tg.message('menu', '44000001');
      expect((await tg.post(first.url, msg.body)).status).toBe(200);
      await waitFor(() => hold.waiting === 1, 'the reply to reach the platform');
      await first.stop();
      bot = undefined;
      await waitFor(() => hold.waiting === 0, 'the abandoned request to drop');
      hold.release();
      expect(pendingIds(first.dataDir, 'telegram')).toEqual([msg.id]);

      bot = await startBot(tg.env(), { dataDir: first.dataDir });
      await waitFor(() => tg.texts('44000001').length >= 1, 'the answer after the restart');
      expect((await tg.post(bot.url, msg.body)).status).toBe(200);
      await bot.stop();
      bot = undefined;
      expect(tg.texts('44000001')).toEqual([MENU]);
    } finally {
      hold.release();
    }
  });
});

describe('inbox leases and sweep', () => {
  const tg = platforms[0]!;
  const sends = (chatId: string) => telegram.server.requests.filter((r) => tg.isSend(r.path) && String(r.body.chat_id) === chatId);

  it('a message left pending while the server runs (storage failed after storing it) is answered by the sweep, without a restart', async () => {
    const b = (bot = await startBot({ ...tg.env(), ...SHORT_LEASE }));
    const db = new Database(path.join(b.dataDir, 'bot.sqlite'));
    const user = '46000001';
    const msg = tg.message('menu', user);
    try {
      // Storing works, taking the row for handling fails.
      db.exec(`CREATE TRIGGER take_fails BEFORE UPDATE OF attempts ON inbox BEGIN SELECT RAISE(ABORT, 'storage trouble'); END`);
      expect((await tg.post(b.url, msg.body)).status).toBe(200);
      await waitFor(async () => (await metric(b, 'bot_processing_errors_total', { channel: 'telegram' })) >= 1, 'the failed attempt');
    } finally {
      db.exec('DROP TRIGGER IF EXISTS take_fails');
      db.close();
    }
    expect(pendingIds(b.dataDir, 'telegram')).toEqual([msg.id]);
    await waitFor(() => tg.texts(user).length >= 1, 'the swept answer');
    expect(await metric(b, 'bot_inbox_recovered_total', { channel: 'telegram', how: 'sweep' })).toBe(1);
    expect(await metric(b, 'bot_inbox_recovered_total', { channel: 'telegram', how: 'replay' })).toBe(0);
    await b.stop();
    bot = undefined;
    expect(tg.texts(user)).toEqual([MENU]);
    expect(sends(user)).toHaveLength(1);
    expect(pendingIds(b.dataDir, 'telegram')).toEqual([]);
  });

  describe.skipIf(!pgReady)('two instances on one PostgreSQL database', () => {
    const schema = `inbox_${crypto.randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: PG_URL });
    const DATABASE_URL = `${PG_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    beforeAll(async () => {
      await admin.connect();
      await admin.query(`CREATE SCHEMA ${schema}`);
    });
    afterAll(async () => {
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    });
    const row = async (id: string) => (await admin.query<{ status: string; attempts: number; leased_until: string }>(
      `SELECT status, attempts, leased_until FROM ${schema}.inbox WHERE channel = 'telegram' AND message_id = $1`, [id])).rows[0]!;

    it('a starting instance leaves alone what a live one is handling; once that one dies, its lease runs out and the other answers once', async () => {
      // Long enough that A's renewals (every third of it) keep it in a loaded test run; B sweeps often.
      const lease = { INBOX_LEASE_MS: '1500' };
      const user = '47000001';
      const msg = tg.message('menu', user);
      const hold = telegram.server.hold((r) => tg.isSend(r.path));
      const a = spawnServer({ ...tg.env(), ...lease, DATABASE_URL });
      try {
        expect((await tg.post(await a.url(), msg.body)).status).toBe(200);
        await waitFor(() => hold.waiting === 1, 'A\'s reply to reach the platform');
        const taken = await row(msg.id);
        expect(taken).toMatchObject({ status: 'pending', attempts: 1 });

        // B starts while A is still answering (a rolling restart).
        const b = (bot = await startBot({ ...tg.env(), ...lease, INBOX_SWEEP_MS: '20', DATABASE_URL }));
        // B looks again after the first lease A took would have run out (A's database clock, the same machine's): A renewed it.
        await waitFor(() => Date.now() > Number(taken.leased_until) + 200, 'the first lease\'s end');
        const sweeps = await metric(b, 'bot_inbox_sweeps_total', { channel: 'telegram' });
        await waitFor(async () => (await metric(b, 'bot_inbox_sweeps_total', { channel: 'telegram' })) >= sweeps + 2, 'B to sweep after it');
        expect(Number((await row(msg.id)).leased_until)).toBeGreaterThan(Number(taken.leased_until));
        expect(await row(msg.id)).toMatchObject({ status: 'pending', attempts: 1 });
        expect(hold.waiting).toBe(1);
        expect(await metric(b, 'bot_inbox_recovered_total', { channel: 'telegram' })).toBe(0);

        // A dies mid-reply, without any shutdown; nobody renews its lease any more.
        await a.kill();
        await waitFor(() => hold.waiting === 0, 'A\'s request to drop');
        hold.release();
        await waitFor(async () => (await row(msg.id)).status === 'done', 'B to answer the message');
        expect(await metric(b, 'bot_inbox_recovered_total', { channel: 'telegram', how: 'sweep' })).toBe(1);
        expect((await row(msg.id)).attempts).toBe(2);
        await b.stop();
        bot = undefined;
        expect(tg.texts(user)).toEqual([MENU]);
        // A's request that never got an answer, and B's.
        expect(sends(user)).toHaveLength(2);
      } finally {
        hold.release();
        await a.kill();
      }
    });
  });
});
