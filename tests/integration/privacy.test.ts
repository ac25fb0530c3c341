import crypto from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Participation } from '../../src/participation/recorder.js';
import type { ChannelName } from '../../src/core/messages.js';
import { FakeMessenger, FB_APP_SECRET, FB_PAGE_TOKEN, FB_VERIFY_TOKEN, fbBody, fbEvent, fbSign } from '../helpers/fake-messenger.js';
import { FakeTelegram, TG_TOKEN, tgCallbackUpdate, tgTextUpdate } from '../helpers/fake-telegram.js';
import { FakeZalo, ZALO_APP_ID, ZALO_APP_SECRET, ZALO_OA_SECRET, zaloFollow, zaloSign, zaloText } from '../helpers/fake-zalo.js';
import Database from 'better-sqlite3';
import { freshDataDir, metric, startBot, type Bot } from '../helpers/fake-server.js';
import { sqliteStore } from '../helpers/stores.js';
import { scanPostgres, scanSqlite, type Hit } from '../helpers/db-scan.js';
import { waitFor } from '../helpers/wait.js';

/**
 * "Xóa dữ liệu của tôi" (Law 91/2025/QH15): after a person erases their data, no table of the database holds
 * their platform id, their pseudonymous key or the words they typed. The scan reads every table and column
 * there is, so tables added later (subscriptions, handoff messages, ...) are covered without changing this test.
 */

const SECRET = 'privacy-test-pseudonym-secret-42';
const TG_SECRET = 'tg-privacy-secret';
const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/test';
const pgAvailable = await new pg.Client({ connectionString: PG_URL }).connect().then((c) => c.end().then(() => true), () => false);

let tg: FakeTelegram;
let fb: FakeMessenger;
let zl: FakeZalo;
beforeAll(async () => { [tg, fb, zl] = await Promise.all([FakeTelegram.start(), FakeMessenger.start(), FakeZalo.start()]); });
beforeEach(() => zl.reset(['at-live'], ['rt-1']));
afterAll(async () => { await Promise.all([tg.close(), fb.close(), zl.close()]); });

const env = () => ({
  PSEUDONYM_SECRET: SECRET, WEBCHAT_LIMIT_PER_IP: '100000',
  TELEGRAM_BOT_TOKEN: TG_TOKEN, TELEGRAM_WEBHOOK_SECRET: TG_SECRET, TELEGRAM_API_ROOT: tg.url,
  MESSENGER_PAGE_ACCESS_TOKEN: FB_PAGE_TOKEN, MESSENGER_APP_SECRET: FB_APP_SECRET, MESSENGER_VERIFY_TOKEN: FB_VERIFY_TOKEN, MESSENGER_GRAPH_URL: fb.graphUrl,
  ZALO_APP_ID, ZALO_APP_SECRET, ZALO_OA_SECRET_KEY: ZALO_OA_SECRET, ZALO_ACCESS_TOKEN: 'at-live', ZALO_REFRESH_TOKEN: 'rt-1', ZALO_API_URL: zl.url, ZALO_OAUTH_URL: zl.url,
});

/** How each platform's person talks to the bot. */
function talk(b: Bot) {
  const chat = async (userId: string, body: { text?: string; payload?: string }) => {
    const res = await b.post('/api/chat', JSON.stringify({ userId, ...body }));
    expect(res.status).toBe(200);
  };
  const telegram = async (update: Record<string, unknown>) => {
    expect((await b.post('/webhooks/telegram', JSON.stringify(update), { 'x-telegram-bot-api-secret-token': TG_SECRET })).status).toBe(200);
  };
  const messenger = async (event: Record<string, unknown>) => {
    const raw = JSON.stringify(fbBody([event]));
    expect((await b.post('/webhooks/messenger', raw, { 'x-hub-signature-256': fbSign(raw) })).status).toBe(200);
  };
  const zalo = async (event: Record<string, unknown>) => {
    const raw = JSON.stringify(event);
    expect((await b.post('/webhooks/zalo', raw, { 'x-zevent-signature': zaloSign(raw, String(event.timestamp)) })).status).toBe(200);
  };
  return { chat, telegram, messenger, zalo };
}

interface Person { channel: ChannelName; id: string; words: string }

/** A person on each channel, one who registers and does a quiz and one who never registers; each asks what the bot cannot answer. */
async function converse(b: Bot, people: { web: Person; webNever: Person; telegram: Person; messenger: Person; zalo: Person; control: Person }) {
  const { chat, telegram, messenger, zalo } = talk(b);
  const { web, webNever, control } = people;
  for (const p of [web, webNever, control]) {
    await chat(p.id, { text: '/start' });
    await chat(p.id, { text: p.words });
  }
  await chat(web.id, { payload: 'REGISTER' });
  await chat(web.id, { payload: 'REG:consent:yes' });
  await chat(web.id, { text: 'hoi nong dan' });
  await chat(web.id, { text: 'muong kim' });
  await chat(web.id, { payload: 'QZ:start:vneid' });
  await chat(web.id, { text: 'a' });

  const chatId = Number(people.telegram.id);
  await telegram(tgTextUpdate('/start', chatId));
  await telegram(tgTextUpdate(people.telegram.words, chatId));
  await telegram(tgCallbackUpdate('REGISTER', chatId));
  await telegram(tgCallbackUpdate('REG:consent:yes', chatId));

  await messenger(fbEvent({ psid: people.messenger.id, postback: 'START' }));
  await messenger(fbEvent({ psid: people.messenger.id, text: people.messenger.words }));
  await messenger({ sender: { id: people.messenger.id }, recipient: { id: '100200300400500' }, postback: { title: 'Hỏi đáp', payload: 'ASK' } });

  await zalo(zaloFollow(people.zalo.id));
  await zalo(zaloText(people.zalo.words, people.zalo.id));
  await waitFor(() => tg.sent.length >= 4 && fb.sent.length >= 3 && zl.sent.length >= 2, 'the platforms\' replies', 30_000).catch((e: Error) => { throw new Error(`${e.message}: ${tg.sent.length} ${fb.sent.length} ${zl.sent.length}`); });

  // Each erases their data, the way each platform lets them.
  for (const p of [web, webNever]) {
    await chat(p.id, { text: 'Xóa dữ liệu của tôi' });
    await chat(p.id, { payload: 'REG:delete:yes' });
  }
  await telegram(tgTextUpdate('Xóa dữ liệu của tôi', chatId));
  await telegram(tgCallbackUpdate('REG:delete:yes', chatId));
  await messenger(fbEvent({ psid: people.messenger.id, text: 'xoa du lieu cua toi' }));
  await messenger(fbEvent({ psid: people.messenger.id, text: 'Xóa', quickReply: 'REG:delete:yes' }));
  await zalo(zaloText('xóa dữ liệu của tôi', people.zalo.id));
  await zalo(zaloText('xóa', people.zalo.id));
  const deleted = (texts: (string | undefined)[]) => texts.filter((t) => t?.startsWith('Đã xóa thông tin của bạn')).length;
  await waitFor(() => deleted(tg.sent.map((s) => s.text)) && deleted(fb.sent.map((s) => s.message.text)) && deleted(zl.sent.map((s) => s.message.text)),
    'the erasure confirmed on every platform', 30_000);
}

function people(tag: string) {
  return {
    web: { channel: 'web' as const, id: `web-privacy-${tag}`, words: 'Ông Quýt hỏi chuyện xe trâu bay qua bản Nậm Xe' },
    webNever: { channel: 'web' as const, id: `web-never-registered-${tag}`, words: 'Bà Mỷ muốn biết giá thuê cầu kính Tà Xùa' },
    telegram: { channel: 'telegram' as const, id: `77777${Math.floor(1e7 + Math.random() * 8e7)}`, words: 'Chị Sùng hỏi lịch chợ phiên Sin Suối Hồ' },
    messenger: { channel: 'messenger' as const, id: `PSID-privacy-${tag}`, words: 'Anh Lò Văn Pọm hỏi cách nuôi cá hồi trên Pu Ta Leng' },
    zalo: { channel: 'zalo' as const, id: `24680135792468${Math.floor(10000 + Math.random() * 80000)}`, words: 'Cô Tẩn hỏi đường lên đỉnh Putaleng lúc nửa đêm' },
    control: { channel: 'web' as const, id: `web-control-${tag}`, words: 'Cụ Giàng hỏi lịch tập huấn VNeID ở bản Nậm Xe khi nào' },
  };
}

function needlesOf(p: Person, recorder: Participation): string[] {
  return [p.id, recorder.userKey(p.channel, p.id), p.words];
}

async function runScenario(b: Bot, scan: (needles: string[]) => Promise<Hit[]>) {
  const tag = crypto.randomBytes(3).toString('hex');
  const ps = people(tag);
  await converse(b, ps);
  const recorder = new Participation(undefined as never, SECRET);
  const erased = [ps.web, ps.webNever, ps.telegram, ps.messenger, ps.zalo];
  // Every message handled: nothing pending in the inbox any more.
  await waitFor(async () => (await scan(erased.map((p) => p.words))).every((h) => !h.startsWith('inbox.')), 'the inbox to be done', 30_000);
  expect(await scan(erased.flatMap((p) => needlesOf(p, recorder)))).toEqual([]);
  // The scan itself finds what is there: the person who kept their data is still found.
  const kept = await scan(needlesOf(ps.control, recorder));
  expect(kept).toEqual(expect.arrayContaining([`unanswered.text: ${ps.control.words}`, `conversation_state.session_id: ${recorder.userKey('web', ps.control.id)}`]));
  // Anonymous counts stay: the six people who came are still counted as contacts.
  expect((await scan(['contact'])).filter((h) => h === 'events.type: contact')).toHaveLength(6);
}

describe('erasing a person\'s data ("Xóa dữ liệu của tôi")', () => {
  it('leaves no trace of them in any table (SQLite)', async () => {
    const dataDir = freshDataDir();
    const b = await startBot(env(), { dataDir });
    try {
      await runScenario(b, (needles) => scanSqlite(path.join(dataDir, 'bot.sqlite'), needles));
    } finally {
      await b.stop();
      tg.sent.length = 0; fb.sent.length = 0; zl.sent.length = 0;
    }
  });

  it.skipIf(!pgAvailable)('leaves no trace of them in any table (PostgreSQL)', async () => {
    const schema = `privacy_${crypto.randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    const url = `${PG_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    const b = await startBot({ ...env(), DATABASE_URL: url });
    try {
      await runScenario(b, (needles) => scanPostgres(PG_URL, schema, needles));
    } finally {
      await b.stop();
      tg.sent.length = 0; fb.sent.length = 0; zl.sent.length = 0;
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    }
  });
});


describe('retention (RETENTION_DAYS)', () => {
  it('purges old inbox rows, unanswered texts and conversations of people who did not register; keeps counts and consented people', async () => {
    const dataDir = freshDataDir();
    const file = path.join(dataDir, 'bot.sqlite');
    const day = 24 * 3600_000;
    const old = new Date(Date.now() - 40 * day);
    const store = sqliteStore(file);
    await store.migrate();
    for (const [id, at] of [['old-msg', old], ['new-msg', new Date()]] as const) {
      await store.inbox.enqueueInbound({ channel: 'zalo', messageId: id, userId: `raw-${id}`, event: '{}', receivedAt: at });
      await store.inbox.completeInbound('zalo', id);
    }
    await store.participation.recordUnanswered('web', 'câu hỏi cũ về trâu bay', old, 'k-old');
    await store.participation.recordUnanswered('web', 'câu hỏi mới về trâu bay', new Date(), 'k-new');
    for (const key of ['k-old', 'k-consented', 'k-new']) await store.conversations.saveState(key, { greeted: true });
    await store.participation.saveProfile({ userKey: 'k-consented', channel: 'web', consentAt: old });
    await store.participation.recordEvent({ at: old, type: 'contact', channel: 'web' });
    await store.close();
    const db = new Database(file);
    db.prepare("UPDATE conversation_state SET updated_at = ? WHERE session_id IN ('k-old', 'k-consented')").run(old.getTime());
    db.close();

    const b = await startBot({ RETENTION_DAYS: '30' }, { dataDir });
    try {
      await waitFor(async () => (await metric(b, 'bot_retention_purged_total')) === 3, 'the purge at start');
      expect(await metric(b, 'bot_retention_purged_total', { kind: 'inbox' })).toBe(1);
      const left = (sql: string) => { const d = new Database(file, { readonly: true }); try { return d.prepare(sql).pluck().all(); } finally { d.close(); } };
      expect(left('SELECT message_id FROM inbox')).toEqual(['new-msg']);
      expect(left('SELECT text FROM unanswered')).toEqual(['câu hỏi mới về trâu bay']);
      expect(left('SELECT session_id FROM conversation_state ORDER BY session_id')).toEqual(['k-consented', 'k-new']);
      expect(left("SELECT COUNT(*) FROM events WHERE type = 'contact'")).toEqual([1]);
    } finally {
      await b.stop();
    }
  });
});

describe('conversation state kept under the pseudonymous key', () => {
  it('moves a state saved under the former "<channel>:<platform id>" id at start; the person is not greeted or counted again', async () => {
    const dataDir = freshDataDir();
    const file = path.join(dataDir, 'bot.sqlite');
    const store = sqliteStore(file);
    await store.migrate();
    await store.conversations.saveState('web:legacy-person-1', { greeted: true });
    await store.close();
    const b = await startBot({ PSEUDONYM_SECRET: SECRET }, { dataDir });
    try {
      const res = await b.post('/api/chat', JSON.stringify({ userId: 'legacy-person-1', text: 'menu' }));
      expect(res.status).toBe(200);
      const d = new Database(file, { readonly: true });
      const ids = d.prepare('SELECT session_id FROM conversation_state').pluck().all();
      const contacts = d.prepare("SELECT COUNT(*) FROM events WHERE type = 'contact'").pluck().get();
      d.close();
      expect(ids).toEqual([new Participation(undefined as never, SECRET).userKey('web', 'legacy-person-1')]);
      expect(contacts).toBe(0);
    } finally {
      await b.stop();
    }
  });
});
