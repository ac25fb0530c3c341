import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/storage/index.js';
import { loadConfig } from '../../src/config.js';
import type { PlatformChannelOptions } from '../../src/channels/index.js';
import { FakeMessenger, FB_APP_SECRET, FB_PAGE_TOKEN, FB_VERIFY_TOKEN, fbBody, fbEvent, fbSign } from '../helpers/fake-messenger.js';
import { infoLogs, metric, startBot, type Bot } from '../helpers/fake-server.js';
import { runScript, waitFor } from '../helpers/wait.js';
import Database from 'better-sqlite3';

let fake: FakeMessenger;
let bot: Bot | undefined;

const env = () => ({
  MESSENGER_PAGE_ACCESS_TOKEN: FB_PAGE_TOKEN, MESSENGER_APP_SECRET: FB_APP_SECRET,
  MESSENGER_VERIFY_TOKEN: FB_VERIFY_TOKEN, MESSENGER_GRAPH_URL: fake.graphUrl,
});
const start = async (opts: { dataDir?: string; channels?: PlatformChannelOptions } = {}) => (bot = await startBot(env(), opts));
const deliver = (b: Bot, body: unknown, sign: (raw: string) => Record<string, string> = (raw) => ({ 'x-hub-signature-256': fbSign(raw) })) => {
  const raw = JSON.stringify(body);
  return b.post('/webhooks/messenger', raw, sign(raw));
};
const texts = () => fake.sent.map((s) => s.message.text);

beforeAll(async () => { fake = await FakeMessenger.start(); });
afterAll(async () => { await fake.close(); });
afterEach(async () => {
  await bot?.stop();
  bot = undefined;
  fake.sent.length = 0;
  fake.server.requests.length = 0;
  fake.server.clearFailures();
});

describe('Messenger channel', () => {
  it('answers the webhook verification only with the right verify token', async () => {
    const b = await start();
    const ok = await fetch(`${b.url}/webhooks/messenger?hub.mode=subscribe&hub.verify_token=${FB_VERIFY_TOKEN}&hub.challenge=1158201444`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('1158201444');
    expect((await fetch(`${b.url}/webhooks/messenger?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1`)).status).toBe(403);
    expect((await fetch(`${b.url}/webhooks/messenger?hub.mode=unsubscribe&hub.verify_token=${FB_VERIFY_TOKEN}&hub.challenge=1`)).status).toBe(403);
  });

  it('handles batched entries: text, quick reply and postback answered; echoes, deliveries and reads ignored', async () => {
    const b = await start();
    const body = fbBody(
      [fbEvent({ psid: 'A1', text: 'hello' })],
      [
        fbEvent({ psid: 'B2', postback: 'HELP' }),
        { sender: { id: 'B2' }, recipient: { id: '100200300400500' }, timestamp: Date.now(), delivery: { mids: ['m_x'], watermark: Date.now() } },
        { sender: { id: 'B2' }, recipient: { id: '100200300400500' }, timestamp: Date.now(), read: { watermark: Date.now() } },
        fbEvent({ psid: 'B2', text: 'Xin chào', echo: true }),
      ],
    );
    expect((await deliver(b, body)).status).toBe(200);
    await waitFor(() => fake.sent.length >= 2, 'two replies');
    const toA = fake.sent.find((s) => s.recipient.id === 'A1')!;
    expect(toA.messaging_type).toBe('RESPONSE');
    expect(toA.message.text).toContain('Xin chào');
    const qr = toA.message.quick_replies!;
    expect(qr.map((q) => q.payload)).toEqual(['ASK', 'SCAM', 'QUIZ', 'REGISTER', 'SUBSCRIBE', 'HANDOFF', 'HELP', 'UNSUBSCRIBE']);
    expect(qr.map((q) => q.title)).toEqual(['Hỏi đáp', 'Kiểm tra tin lừa đảo', 'Làm bài kiểm tra…', 'Đăng ký đoàn thể…', 'Nhận thông báo', 'Gặp cán bộ', 'Hướng dẫn', 'Dừng nhận thông báo']);
    expect(qr.every((q) => [...q.title].length <= 20 && q.content_type === 'text')).toBe(true);
    expect(fake.sent.find((s) => s.recipient.id === 'B2')!.message.text).toContain('Cách dùng trợ lý');

    await deliver(b, fbBody([fbEvent({ psid: 'A1', text: 'Hướng dẫn', quickReply: 'MENU' })]));
    await waitFor(() => fake.sent.length >= 3, 'quick reply answered');
    expect(fake.sent[2]!.message.text).toBe('Bạn muốn làm gì?'); // the payload wins over the title text
    expect(fake.sent).toHaveLength(3);
  });

  it('rejects forged, unsigned and sha1-only requests with nothing sent; malformed -> 400', async () => {
    const b = await start();
    const body = fbBody([fbEvent({ psid: 'C3', text: 'hello' })]);
    expect((await deliver(b, body, (raw) => ({ 'x-hub-signature-256': fbSign(raw, 'not-the-secret') }))).status).toBe(403);
    expect((await deliver(b, body, () => ({}))).status).toBe(401);
    expect((await deliver(b, body, () => ({ 'x-hub-signature': 'sha1=0000' }))).status).toBe(401);
    // A valid signature over different bytes is still a forgery.
    expect((await deliver(b, body, () => ({ 'x-hub-signature-256': fbSign('{}') }))).status).toBe(403);
    expect((await b.post('/webhooks/messenger', '{"object":', { 'x-hub-signature-256': fbSign('{"object":') })).status).toBe(400);
    await deliver(b, fbBody([fbEvent({ psid: 'C3', text: 'menu' })]));
    await waitFor(() => fake.sent.length >= 1, 'genuine reply');
    expect(texts()).toEqual(['Bạn muốn làm gì?']);
  });

  it('answers a redelivered message once, also after a restart', async () => {
    const first = await start();
    const event = fbEvent({ psid: 'D4', text: 'menu' });
    await deliver(first, fbBody([event]));
    await deliver(first, fbBody([event]));
    await deliver(first, fbBody([fbEvent({ psid: 'D4', text: 'hướng dẫn' })]));
    await waitFor(() => fake.sent.length >= 2, 'two replies');
    await first.stop();
    bot = undefined;
    const second = await start({ dataDir: first.dataDir });
    await deliver(second, fbBody([event]));
    await deliver(second, fbBody([fbEvent({ psid: 'D4', text: 'hỏi đáp' })]));
    await waitFor(() => fake.sent.length >= 3, 'reply after restart');
    expect(texts().map((t) => t.slice(0, 12))).toEqual(['Bạn muốn làm', 'Cách dùng tr', 'Mời bạn gõ c']);
  });

  it('honours Retry-After on 429 and keeps one user\'s replies in order', async () => {
    const b = await start();
    fake.fail({ status: 429, headers: { 'retry-after': '2' }, json: { error: { message: 'Too many calls', code: 613 } } }, 2);
    for (const text of ['menu', 'hướng dẫn', 'hỏi đáp']) await deliver(b, fbBody([fbEvent({ psid: 'E5', text })]));
    await waitFor(() => fake.sent.length >= 3, 'three replies');
    expect(texts().map((t) => t.slice(0, 12))).toEqual(['Bạn muốn làm', 'Cách dùng tr', 'Mời bạn gõ c']);
    expect(b.retries.map((r) => r.delayMs)).toEqual([10, 10]); // 2 s each, at 5 ms per second in tests
  });

  it('gives up after bounded attempts on 500, records the failure and stays healthy', async () => {
    const b = await start();
    fake.fail({ status: 500, json: { error: { message: 'An unknown error occurred', code: 1 } } }, 5);
    await deliver(b, fbBody([fbEvent({ psid: 'F6', text: 'hello' })]));
    await waitFor(async () => (await metric(b, 'bot_send_errors_total', { channel: 'messenger', class: 'transient' })) === 1, 'the give-up');
    expect(fake.messageCalls).toHaveLength(5);
    expect((await fetch(`${b.url}/healthz`)).status).toBe(200);
    expect(JSON.stringify(infoLogs(b))).not.toMatch(/hello|Xin chào|access_token|EAAB/);
    await deliver(b, fbBody([fbEvent({ psid: 'F6', text: 'menu' })]));
    await waitFor(() => fake.sent.length >= 1, 'later reply');
    await b.stop();
    bot = undefined;
    const storage = await openStore(loadConfig({ DATA_DIR: b.dataDir }));
    expect(JSON.parse((await storage.settings.getSetting('outbound.failures.messenger'))!)).toMatchObject({ count: 1, lastCode: '1' });
    await storage.close();
  });

  it('splits a long text and puts the quick replies on the last part', async () => {
    const b = await start({ channels: { textLimit: { messenger: 200 } } });
    await deliver(b, fbBody([fbEvent({ psid: 'G7', text: 'hướng dẫn' })]));
    await waitFor(() => fake.sent.length >= 3 && fake.sent.at(-1)!.message.quick_replies, 'parts');
    expect(fake.sent.every((s) => s.message.text.length <= 200)).toBe(true);
    expect(fake.sent.slice(0, -1).every((s) => !s.message.quick_replies)).toBe(true);
    expect(fake.sent.at(-1)!.message.quick_replies).toHaveLength(8);
  });

  it('offers the commune step as quick replies that fit (old districts, then their communes) and follows them', async () => {
    const b = await start();
    await deliver(b, fbBody([fbEvent({ psid: 'H8', postback: 'REGISTER' })]));
    await waitFor(() => fake.sent.length >= 1, 'consent');
    await deliver(b, fbBody([fbEvent({ psid: 'H8', text: 'Tôi đồng ý', quickReply: 'REG:consent:yes' })]));
    await waitFor(() => fake.sent.length >= 2, 'organisations');
    expect(fake.sent[1]!.message.quick_replies!.length).toBeLessThanOrEqual(13);
    await deliver(b, fbBody([fbEvent({ psid: 'H8', text: 'Đoàn Thanh niên' })]));
    await waitFor(() => fake.sent.length >= 3, 'units');
    const areas = fake.sent[2]!.message.quick_replies!;
    // Not 38 communes: the 8 old districts and "Bỏ qua", each title whole within Messenger's 20 characters.
    expect(areas.map((q) => q.title)).toEqual([
      'Huyện Than Uyên cũ', 'Huyện Tân Uyên cũ', 'Huyện Tam Đường cũ', 'TP Lai Châu cũ', 'Huyện Phong Thổ cũ', 'Huyện Sìn Hồ cũ', 'Huyện Nậm Nhùn cũ', 'Huyện Mường Tè cũ', 'Bỏ qua',
    ]);
    await deliver(b, fbBody([fbEvent({ psid: 'H8', text: 'Huyện Than Uyên cũ', quickReply: areas[0]!.payload })]));
    await waitFor(() => fake.sent.length >= 4, 'communes of the old district');
    const communes = fake.sent[3]!.message.quick_replies!;
    expect(communes.map((q) => q.title)).toEqual(['Xã Mường Kim', 'Xã Khoen On', 'Xã Than Uyên', 'Xã Mường Than', 'Huyện khác', 'Bỏ qua']);
    await deliver(b, fbBody([fbEvent({ psid: 'H8', text: 'Xã Khoen On', quickReply: communes[1]!.payload })]));
    await waitFor(() => fake.sent.length >= 5, 'registration done');
    expect(fake.sent[4]!.message.text).toContain('xã Khoen On');
  });

  it('does not respond outside the 24-hour window', async () => {
    const b = await start();
    await deliver(b, fbBody([fbEvent({ psid: 'I9', text: 'menu', timestamp: Date.now() - 25 * 3600_000 })]));
    await waitFor(async () => (await metric(b, 'bot_messages_sent_total', { channel: 'messenger', outcome: 'outside_window' })) === 1, 'the drop');
    expect(fake.messageCalls).toHaveLength(0);
    await deliver(b, fbBody([fbEvent({ psid: 'I9', text: 'menu' })]));
    await waitFor(() => fake.sent.length >= 1, 'reply inside the window');
  });
});

describe('Messenger batches and redeliveries (issue 11)', () => {
  it('keeps answering other requests while it stores a signed batch of 400 events', async () => {
    const b = await start();
    const db = new Database(`${b.dataDir}/bot.sqlite`, { readonly: true });
    // Rows stored so far (handled or not): they only grow while the batch is being stored.
    const count = () => (db.prepare("SELECT COUNT(*) AS n FROM inbox WHERE channel = 'messenger'").get() as { n: number }).n;
    const events = Array.from({ length: 400 }, (_, i) => fbEvent({ psid: `B${i}`, text: 'menu' }));
    const raw = JSON.stringify(fbBody(events));
    let done = false;
    const batch = b.post('/webhooks/messenger', raw, { 'x-hub-signature-256': fbSign(raw) }).finally(() => { done = true; });
    // Health checks from the same process: each is answered only when the server's event loop is free. Before,
    // the 400 events were stored without yielding, so no check could be answered while some but not all were stored.
    const seenWhileStoring: number[] = [];
    while (!done) {
      expect((await fetch(`${b.url}/healthz`)).status).toBe(200);
      const n = count();
      if (!done && n > 0 && n < 400) seenWhileStoring.push(n);
    }
    expect((await batch).status).toBe(200);
    expect(seenWhileStoring.length).toBeGreaterThan(0);
    // Every sender answered (a send timing out under load may be retried, so count people, not sends).
    await waitFor(() => new Set(fake.sent.map((x) => x.recipient.id)).size === 400, 'all 400 answered', 60_000);
    db.close();
  });

  it('answers a postback without timestamp and mid once, however often it is delivered', async () => {
    const b = await start();
    const postback = { sender: { id: 'PB1' }, recipient: { id: '100200300400500' }, postback: { title: 'Hướng dẫn', payload: 'HELP' } };
    for (let i = 0; i < 3; i++) expect((await deliver(b, fbBody([postback]))).status).toBe(200);
    await deliver(b, fbBody([fbEvent({ psid: 'PB1', text: 'menu' })]));
    await waitFor(() => fake.sent.length >= 2, 'help and menu');
    expect(texts().map((t) => t.slice(0, 12))).toEqual(['Cách dùng tr', 'Bạn muốn làm']);
  });
});

describe('npm run setup:messenger', () => {
  it('sets the Get Started button and the persistent menu', async () => {
    const { stdout } = await runScript('scripts/setup-messenger.ts', { MESSENGER_PAGE_ACCESS_TOKEN: FB_PAGE_TOKEN, MESSENGER_GRAPH_URL: fake.graphUrl });
    expect(stdout).toContain('Đã đặt nút "Bắt đầu"');
    expect(fake.profile).toHaveLength(1);
    const profile = fake.profile[0] as { get_started: { payload: string }; persistent_menu: { call_to_actions: { title: string; payload: string }[] }[] };
    expect(profile.get_started).toEqual({ payload: 'START' });
    expect(profile.persistent_menu[0]!.call_to_actions.map((a) => [a.title, a.payload])).toEqual([
      ['Menu', 'MENU'], ['Hỏi đáp', 'ASK'], ['Làm bài kiểm tra', 'QUIZ'], ['Hướng dẫn', 'HELP'],
    ]);
  });
});
