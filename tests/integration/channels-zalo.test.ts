import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/storage/index.js';
import { loadConfig } from '../../src/config.js';
import type { PlatformChannelOptions } from '../../src/channels/index.js';
import {
  FakeZalo, ZALO_APP_ID, ZALO_APP_SECRET, ZALO_OA_SECRET, zaloEcho, zaloFollow, zaloImage, zaloSign, zaloText,
} from '../helpers/fake-zalo.js';
import { infoLogs, metric, startBot, type Bot } from '../helpers/fake-server.js';
import { waitFor } from '../helpers/wait.js';

let fake: FakeZalo;
let bot: Bot | undefined;

const env = (tokens: { access?: string; refresh?: string } = {}) => ({
  ZALO_APP_ID, ZALO_APP_SECRET, ZALO_OA_SECRET_KEY: ZALO_OA_SECRET,
  ZALO_ACCESS_TOKEN: tokens.access ?? 'at-live', ZALO_REFRESH_TOKEN: tokens.refresh ?? 'rt-1',
  ZALO_API_URL: fake.url, ZALO_OAUTH_URL: fake.url,
});
const start = async (opts: { dataDir?: string; channels?: PlatformChannelOptions; tokens?: { access?: string; refresh?: string } } = {}) =>
  (bot = await startBot(env(opts.tokens), opts));
const deliver = (b: Bot, event: Record<string, unknown>, sign: (raw: string, ts: string) => string | undefined = zaloSign) => {
  const raw = JSON.stringify(event);
  const sig = sign(raw, String(event.timestamp));
  return b.post('/webhooks/zalo', raw, sig === undefined ? {} : { 'x-zevent-signature': sig });
};
const texts = () => fake.sent.map((s) => s.message.text);
const buttonsOf = (i: number) => fake.sent[i]!.message.attachment?.payload.buttons;
const readTokens = async (dataDir: string) => {
  const storage = await openStore(loadConfig({ DATA_DIR: dataDir }));
  const v = await storage.settings.getSetting('zalo.tokens');
  await storage.close();
  return JSON.parse(v!) as { accessToken: string; refreshToken: string; expiresAt: number };
};

beforeAll(async () => { fake = await FakeZalo.start(); });
afterAll(async () => { await fake.close(); });
beforeEach(() => fake.reset(['at-live'], ['rt-1']));
afterEach(async () => {
  await bot?.stop();
  bot = undefined;
});

describe('Zalo OA channel', () => {
  it('greets a new follower with oa.query.show buttons and maps a button click back to its payload', async () => {
    const b = await start();
    expect((await deliver(b, zaloFollow('111'))).status).toBe(200);
    await waitFor(() => fake.sent.length >= 1, 'greeting');
    const greeting = fake.sent[0]!;
    expect(greeting.recipient.user_id).toBe('111');
    expect(greeting.token).toBe('at-live');
    expect(greeting.message.text).toContain('Xin chào');
    // Eight menu choices are more than Zalo's five buttons: listed with numbers, a typed number picks one.
    expect(greeting.message.attachment).toBeUndefined();
    expect(greeting.message.text).toMatch(/\n1\. Hỏi đáp\n2\. Kiểm tra tin lừa đảo\n.*\n6\. Gặp cán bộ\n/s);
    await deliver(b, zaloText('7', '111'));
    await waitFor(() => fake.sent.length >= 2, 'help by number');
    expect(fake.sent[1]!.message.text).toMatch(/^Cách dùng trợ lý/);

    // A question that is answered comes with feedback buttons; "Hữu ích" typed as free text would be a
    // question, so the thanks proves the click was mapped to its payload (FB:yes).
    await deliver(b, zaloText('Nghị quyết 57 là gì?', '111'));
    const feedback = await waitFor(() => fake.sent.slice(1).find((s) => s.message.attachment?.payload.buttons.some((x) => x.payload === 'Hữu ích')), 'answer + feedback question');
    expect(feedback.message.attachment!.payload.buttons.map((x) => x.payload)).toContain('Chưa hữu ích');
    const before = fake.sent.length;
    await deliver(b, zaloText('Hữu ích', '111'));
    await waitFor(() => fake.sent.length > before, 'thanks');
    expect(fake.sent[before]!.message.text).toMatch(/^Cảm ơn bạn đã góp ý!\n/);
  });

  it('lists more than 5 choices as numbered text and maps a typed number to that choice', async () => {
    const b = await start();
    await deliver(b, zaloText('Làm bài kiểm tra kỹ năng số', '222'));
    await waitFor(() => fake.sent.length >= 1, 'quiz list');
    const list = fake.sent[0]!.message;
    expect(list.attachment).toBeUndefined();
    expect(list.text).toMatch(/\n1\. .+\n2\. Bảo vệ dữ liệu cá nhân\n/);
    expect(list.text).toMatch(/Trả lời 1, 2, 3, 4, 5 hoặc 6\.$/);
    await deliver(b, zaloText('2', '222'));
    // The quiz may open with an introduction; the question is the message that carries buttons.
    const question = await waitFor(() => fake.sent.slice(1).find((s) => s.message.attachment), 'first question');
    // Questions come in a shuffled order: a true/false one has Đúng/Sai buttons, the others lettered choices.
    const titles = question.message.attachment!.payload.buttons.map((x) => x.title);
    expect(titles).toEqual(expect.arrayContaining(titles.includes('Đúng') ? ['Đúng', 'Sai'] : ['A', 'B']));
    expect(question.message.attachment!.payload.buttons.length).toBeLessThanOrEqual(5);
  });

  it('answers a sticker as unsupported; ignores echoes and unfollows', async () => {
    const b = await start();
    await deliver(b, zaloEcho('333'));
    await deliver(b, { app_id: ZALO_APP_ID, oa_id: '9876543210987654321', event_name: 'unfollow', follower: { id: '333' }, timestamp: String(Date.now()) });
    await deliver(b, zaloImage('333', 'https://example.invalid/s.png', 'user_send_sticker'));
    await waitFor(() => fake.sent.length >= 1, 'unsupported reply');
    expect(texts()).toEqual([expect.stringContaining('chưa đọc được loại tin này')]);
  });

  it('rejects forged or unsigned events and sends nothing; accepts the signature without "mac="', async () => {
    const b = await start();
    expect((await deliver(b, zaloText('menu', '444'), (raw, ts) => zaloSign(raw, ts, 'wrong-secret'))).status).toBe(403);
    expect((await deliver(b, zaloText('menu', '444'), () => undefined)).status).toBe(401);
    // Signed with another timestamp than the body's: forged.
    expect((await deliver(b, zaloText('menu', '444'), (raw) => zaloSign(raw, '1'))).status).toBe(403);
    expect((await b.post('/webhooks/zalo', '{"event_name":', { 'x-zevent-signature': 'mac=00' })).status).toBe(400);
    expect((await deliver(b, zaloText('menu', '444'), (raw, ts) => zaloSign(raw, ts).slice(4))).status).toBe(200);
    await waitFor(() => fake.sent.length >= 1, 'genuine reply');
    expect(texts()).toEqual([expect.stringMatching(/^Bạn muốn làm gì\?\n\n1\. Hỏi đáp/)]);
  });

  it('answers a redelivered event once, also after a restart', async () => {
    const first = await start();
    const event = zaloText('menu', '555');
    await deliver(first, event);
    await deliver(first, event);
    await deliver(first, zaloText('hướng dẫn', '555'));
    await waitFor(() => fake.sent.length >= 2, 'two replies');
    await first.stop();
    bot = undefined;
    const second = await start({ dataDir: first.dataDir });
    await deliver(second, event);
    await deliver(second, zaloText('hỏi đáp', '555'));
    await waitFor(() => fake.sent.length >= 3, 'reply after restart');
    expect(texts().map((t) => t.slice(0, 12))).toEqual(['Bạn muốn làm', 'Cách dùng tr', 'Mời bạn gõ c']);
  });

  it('backs off on the -32 rate limit and on HTTP 429 with Retry-After, then sends', async () => {
    const b = await start();
    fake.fail({ json: { error: -32, message: 'Request exceeds limit' } });
    fake.fail({ status: 429, headers: { 'retry-after': '4' }, json: {} });
    await deliver(b, zaloText('menu', '666'));
    await waitFor(() => fake.sent.length >= 1, 'send after rate limit');
    expect(fake.sendCalls).toHaveLength(3);
    expect(b.retries.map((r) => r.code)).toEqual([-32, 429]);
    expect(b.retries[1]!.delayMs).toBe(20); // 4 s at 5 ms per second in tests
  });

  it('gives up after bounded attempts on 500, records the failure and stays healthy', async () => {
    const b = await start();
    fake.fail({ status: 502, json: {} }, 5);
    await deliver(b, zaloText('xin chào', '777'));
    await waitFor(async () => (await metric(b, 'bot_send_errors_total', { channel: 'zalo', class: 'transient' })) === 1, 'the give-up');
    expect(fake.sendCalls).toHaveLength(5);
    expect((await fetch(`${b.url}/healthz`)).status).toBe(200);
    expect(JSON.stringify(infoLogs(b))).not.toMatch(/xin chào|at-live|rt-1/);
    await deliver(b, zaloText('menu', '777'));
    await waitFor(() => fake.sent.length >= 1, 'later reply');
    await b.stop();
    bot = undefined;
    const storage = await openStore(loadConfig({ DATA_DIR: b.dataDir }));
    expect(JSON.parse((await storage.settings.getSetting('outbound.failures.zalo'))!)).toMatchObject({ count: 1, lastCode: '502' });
    await storage.close();
  });

  it('splits a long text and puts the buttons on the last part', async () => {
    const b = await start({ channels: { textLimit: { zalo: 200 } } });
    // The consent question: a long text with two buttons.
    await deliver(b, zaloText('đăng ký', '888'));
    await waitFor(() => fake.sent.length >= 2 && fake.sent.at(-1)!.message.attachment, 'parts');
    expect(fake.sent.every((s) => s.message.text.length <= 200)).toBe(true);
    expect(fake.sent.slice(0, -1).every((s) => !s.message.attachment)).toBe(true);
    expect(buttonsOf(fake.sent.length - 1)).toHaveLength(2);
  });
});

describe('Zalo access token', () => {
  it('on -216 refreshes once, stores the new pair, retries the send once; a restart keeps the stored pair', async () => {
    fake.reset([], ['rt-1']);
    const first = await start({ tokens: { access: 'at-expired', refresh: 'rt-1' } });
    await deliver(first, zaloText('menu', '901'));
    await waitFor(() => fake.sent.length >= 1, 'send with the new token');
    expect(fake.sendCalls.map((c) => c.headers['access_token'])).toEqual(['at-expired', 'at-new-1']);
    expect(fake.usedRefresh).toEqual(['rt-1']);
    expect(fake.refreshCalls[0]!.headers['secret_key']).toBe(ZALO_APP_SECRET);
    expect(fake.refreshCalls[0]!.body).toEqual({ refresh_token: 'rt-1', app_id: ZALO_APP_ID, grant_type: 'refresh_token' });
    await first.stop();
    bot = undefined;
    const stored = await readTokens(first.dataDir);
    expect(stored).toMatchObject({ accessToken: 'at-new-1', refreshToken: 'rt-new-1' });
    expect(stored.expiresAt - Date.now()).toBeGreaterThan(24 * 3600_000);

    // Same (stale) tokens in the environment: the stored pair wins, no refresh with the dead rt-1.
    const second = await start({ dataDir: first.dataDir, tokens: { access: 'at-expired', refresh: 'rt-1' } });
    await deliver(second, zaloText('hướng dẫn', '901'));
    await waitFor(() => fake.sent.length >= 2, 'send after restart');
    expect(fake.sent[1]!.token).toBe('at-new-1');
    expect(fake.refreshCalls).toHaveLength(1);
    expect(fake.refreshRejected).toEqual([]);
  });

  it('refreshes only once when several sends hit an expired token at the same time', async () => {
    fake.reset([], ['rt-1']);
    const b = await start({ tokens: { access: 'at-expired', refresh: 'rt-1' } });
    await Promise.all(['a1', 'a2', 'a3', 'a4'].map((u) => deliver(b, zaloText('menu', u))));
    await waitFor(() => fake.sent.length >= 4, 'four sends');
    expect(fake.refreshCalls).toHaveLength(1);
    expect(new Set(fake.sent.map((s) => s.token))).toEqual(new Set(['at-new-1']));
  });

  it('when another instance used the refresh token first, takes the pair it stored', async () => {
    fake.reset([], ['rt-1']);
    const b = await start({ tokens: { access: 'at-expired', refresh: 'rt-1' } });
    fake.beforeRefresh = async () => {
      // The other instance refreshes with rt-1 and stores its pair just before ours reaches Zalo.
      fake.validRefresh.delete('rt-1');
      fake.validAccess.add('at-other');
      const storage = await openStore(loadConfig({ DATA_DIR: b.dataDir }));
      const current = await storage.settings.getSetting('zalo.tokens');
      const mine = JSON.parse(current!) as Record<string, unknown>;
      await storage.settings.compareAndSetSetting('zalo.tokens', current, JSON.stringify({ ...mine, accessToken: 'at-other', refreshToken: 'rt-other' }));
      await storage.close();
    };
    await deliver(b, zaloText('menu', '905'));
    await waitFor(() => fake.sent.length >= 1, 'send with the other instance\'s token');
    expect(fake.sent[0]!.token).toBe('at-other');
    expect(fake.refreshRejected).toEqual(['rt-1']);
  });

  it('a rejected refresh token fails the send once (recorded), without a refresh loop', async () => {
    fake.reset([], []);
    const b = await start({ tokens: { access: 'at-expired', refresh: 'rt-dead' } });
    await deliver(b, zaloText('menu', '902'));
    await waitFor(async () => (await metric(b, 'bot_send_errors_total', { channel: 'zalo', class: 'permanent' })) >= 1, 'the give-up');
    expect(fake.refreshRejected).toEqual(['rt-dead']);
    expect(fake.sendCalls).toHaveLength(1);
    expect((await fetch(`${b.url}/healthz`)).status).toBe(200);
  });

  it('refreshes ahead of expiry from a timer started with the channel', async () => {
    const b = await start({ channels: { zalo: { refreshBeforeMs: 48 * 3600_000, refreshCheckMs: 60_000 } } });
    await waitFor(() => fake.usedRefresh.length === 1 && readTokens(b.dataDir).then((t) => t.accessToken === 'at-new-1'), 'proactive refresh');
    expect(fake.usedRefresh).toEqual(['rt-1']);
    await deliver(b, zaloText('menu', '903'));
    await waitFor(() => fake.sent.length >= 1, 'send');
    expect(fake.sent[0]!.token).toBe('at-new-1');
  });

  it('new tokens put in the environment replace the stored pair', async () => {
    const first = await start();
    await first.stop();
    bot = undefined;
    fake.validAccess.add('at-operator');
    const second = await start({ dataDir: first.dataDir, tokens: { access: 'at-operator', refresh: 'rt-operator' } });
    await deliver(second, zaloText('menu', '904'));
    await waitFor(() => fake.sent.length >= 1, 'send');
    expect(fake.sent[0]!.token).toBe('at-operator');
  });
});

describe('channels without credentials', () => {
  it('are off, logged once, and their webhooks do not exist', async () => {
    const b = (bot = await startBot({ ZALO_APP_ID }));
    const off = b.logs.filter((l) => String(l.msg).startsWith('channel off'));
    expect(off.map((l) => l.channel)).toEqual(['telegram', 'messenger', 'zalo', 'botframework']);
    expect(off.find((l) => l.channel === 'zalo')!.missing).toEqual(['ZALO_OA_SECRET_KEY', 'ZALO_ACCESS_TOKEN']);
    for (const p of ['/webhooks/telegram', '/webhooks/messenger', '/webhooks/zalo', '/api/messages']) expect((await b.post(p, '{}')).status).toBe(404);
    expect((await fetch(`${b.url}/healthz`)).status).toBe(200);
  });
});
