import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/storage/index.js';
import { loadConfig } from '../../src/config.js';
import { FakeTelegram, TG_TOKEN, tgCallbackUpdate, tgTextUpdate } from '../helpers/fake-telegram.js';
import { infoLogs, metric, startBot, type Bot } from '../helpers/fake-server.js';
import { runScript, waitFor } from '../helpers/wait.js';
import type { PlatformChannelOptions } from '../../src/channels/index.js';

const SECRET = 'tg_webhook-Secret_123';
let fake: FakeTelegram;
let bot: Bot | undefined;

const env = () => ({ TELEGRAM_BOT_TOKEN: TG_TOKEN, TELEGRAM_WEBHOOK_SECRET: SECRET, TELEGRAM_API_ROOT: fake.url });
const start = async (opts: { dataDir?: string; channels?: PlatformChannelOptions } = {}) => (bot = await startBot(env(), opts));
const deliver = (b: Bot, update: unknown, secret = SECRET) =>
  b.post('/webhooks/telegram', JSON.stringify(update), { 'x-telegram-bot-api-secret-token': secret });

beforeAll(async () => { fake = await FakeTelegram.start(); });
afterAll(async () => { await fake.close(); });
afterEach(async () => {
  await bot?.stop();
  bot = undefined;
  fake.sent.length = 0;
  fake.answered.length = 0;
  fake.server.requests.length = 0;
  fake.server.clearFailures();
});

describe('Telegram channel (webhook)', () => {
  it('acknowledges signed but malformed button presses (no sender, no chat) with 200 and answers nothing', async () => {
    const b = await start();
    const malformed = [
      { update_id: 700000001, callback_query: { id: '4382000001', data: 'HELP', chat_instance: '-1' } },
      { update_id: 700000002, callback_query: { id: '4382000002', data: 'HELP', message: { message_id: 3, date: 1, text: 'Chọn' } } },
      { update_id: 700000003, callback_query: { id: '4382000003', data: 'HELP', from: null, message: { message_id: 4, chat: null } } },
    ];
    // Before, these threw while being read and got 500, so Telegram resent them forever.
    for (const u of malformed) expect((await deliver(b, u)).status).toBe(200);
    for (const u of malformed) expect((await deliver(b, u)).status).toBe(200);
    await deliver(b, tgTextUpdate('menu', 333));
    await waitFor(() => fake.sent.length >= 1, 'the genuine reply');
    expect(fake.sent.map((x) => String(x.chat_id))).toEqual(['333']);
    expect((await fetch(`${b.url}/healthz`)).status).toBe(200);
  });

  it('greets with the menu as an inline keyboard and answers button presses', async () => {
    const b = await start();
    const res = await deliver(b, tgTextUpdate('/start', 111));
    expect(res.status).toBe(200);
    await waitFor(() => fake.sent.length >= 1, 'greeting');
    const greeting = fake.sent[0]!;
    expect(String(greeting.chat_id)).toBe('111');
    expect(greeting.text).toContain('Xin chào');
    const kb = greeting.reply_markup!.inline_keyboard.flat();
    expect(kb.map((k) => k.callback_data)).toEqual(['ASK', 'SCAM', 'QUIZ', 'REGISTER', 'SUBSCRIBE', 'HANDOFF', 'HELP', 'UNSUBSCRIBE']);
    expect(kb[0]!.text).toBe('Hỏi đáp');

    const cb = tgCallbackUpdate('HELP', 111);
    await deliver(b, cb);
    await waitFor(() => fake.sent.length >= 2, 'help reply');
    expect(fake.answered).toEqual([(cb.callback_query as { id: string }).id]);
    expect(fake.sent[1]!.text).toContain('Cách dùng trợ lý');
    // getMe is never needed: updates are parsed by the channel itself.
    expect(fake.calls('getMe')).toHaveLength(0);
  });

  it('rejects a forged or unsigned webhook and sends nothing; malformed and oversized bodies get 400/413', async () => {
    const b = await start();
    expect((await deliver(b, tgTextUpdate('/start', 222), 'wrong-secret')).status).toBe(403);
    expect((await b.post('/webhooks/telegram', JSON.stringify(tgTextUpdate('/start', 222)))).status).toBe(401);
    expect((await b.post('/webhooks/telegram', '{not json', { 'x-telegram-bot-api-secret-token': SECRET })).status).toBe(400);
    const huge = JSON.stringify({ ...tgTextUpdate('x', 222), pad: 'x'.repeat(70 * 1024) });
    expect((await b.post('/webhooks/telegram', huge, { 'x-telegram-bot-api-secret-token': SECRET })).status).toBe(413);
    // A genuine update afterwards is the only thing answered (same user: handled in order after the others).
    await deliver(b, tgTextUpdate('menu', 222));
    await waitFor(() => fake.sent.length >= 1, 'menu reply');
    expect(fake.sent).toHaveLength(1);
    expect(fake.sent[0]!.text).toBe('Bạn muốn làm gì?');
  });

  it('answers a redelivered update once, also after a restart on the same data directory', async () => {
    const first = await start();
    const update = tgTextUpdate('/help', 333);
    await deliver(first, update);
    await deliver(first, update);
    await deliver(first, tgTextUpdate('menu', 333));
    await waitFor(() => fake.sent.length >= 2, 'two replies');
    await first.stop();
    bot = undefined;
    expect(fake.sent.map((s) => s.text.slice(0, 10))).toEqual(['Cách dùng ', 'Bạn muốn l']);

    const second = await start({ dataDir: first.dataDir });
    expect((await deliver(second, update)).status).toBe(200);
    await deliver(second, tgTextUpdate('/start', 333));
    await waitFor(() => fake.sent.length >= 3, 'reply after restart');
    expect(fake.sent).toHaveLength(3);
    expect(fake.sent[2]!.text).toContain('Xin chào');
  });

  it('waits retry_after on 429 and then sends', async () => {
    const b = await start();
    fake.fail('sendMessage', { status: 429, json: { ok: false, error_code: 429, description: 'Too Many Requests: retry after 3', parameters: { retry_after: 3 } } });
    await deliver(b, tgTextUpdate('menu', 444));
    await waitFor(() => fake.sent.length >= 1, 'send after 429');
    expect(fake.calls('sendMessage')).toHaveLength(2);
    // retry_after 3 s, scaled to 5 ms per second in tests.
    expect(b.retries).toEqual([expect.objectContaining({ channel: 'telegram', method: 'sendMessage', attempt: 1, delayMs: 15, code: 429 })]);
  });

  it('gives up after bounded attempts on 500, records the failure and stays healthy', async () => {
    const b = await start();
    fake.fail('sendMessage', { status: 500, json: { ok: false, error_code: 500, description: 'Internal Server Error' } }, 5);
    await deliver(b, tgTextUpdate('xin chào', 555));
    await waitFor(async () => (await metric(b, 'bot_send_errors_total', { channel: 'telegram', class: 'transient' })) === 1, 'the give-up');
    expect(fake.calls('sendMessage')).toHaveLength(5);
    expect(fake.sent).toHaveLength(0);
    expect((await fetch(`${b.url}/healthz`)).status).toBe(200);
    // The user's text never reaches the log at info level.
    expect(JSON.stringify(infoLogs(b))).not.toContain('xin chào');

    // Still serving: the next message goes through.
    await deliver(b, tgTextUpdate('menu', 555));
    await waitFor(() => fake.sent.length >= 1, 'later reply');
    await b.stop();
    bot = undefined;
    const storage = await openStore(loadConfig({ DATA_DIR: b.dataDir }));
    const record = JSON.parse((await storage.settings.getSetting('outbound.failures.telegram'))!) as { count: number; lastCode: string };
    await storage.close();
    expect(record).toMatchObject({ count: 1, lastCode: '500' });
  });

  it('splits a long text at line boundaries and keeps the keyboard on the last part', async () => {
    const b = await start({ channels: { textLimit: { telegram: 200 } } });
    await deliver(b, tgTextUpdate('/help', 666));
    await waitFor(() => fake.sent.length >= 3 && fake.sent.at(-1)!.reply_markup, 'help in parts');
    const parts = fake.sent;
    expect(parts.every((p) => p.text.length <= 200)).toBe(true);
    expect(parts.slice(0, -1).every((p) => !p.reply_markup)).toBe(true);
    expect(parts.at(-1)!.reply_markup!.inline_keyboard.flat()).toHaveLength(8);
    // Cuts fall on line boundaries: every part starts where a line of the help text starts.
    expect(parts.every((p) => p.text.startsWith('Cách') || p.text.startsWith('•'))).toBe(true);
    expect(parts.map((p) => p.text).join('\n').replace(/\s+/g, ' ')).toContain('Gõ "menu" bất cứ lúc nào để về danh mục chính.');
  });
});

describe('Telegram channel (long polling)', () => {
  it('polls getUpdates without a webhook secret and answers', async () => {
    bot = await startBot({ TELEGRAM_BOT_TOKEN: TG_TOKEN, TELEGRAM_API_ROOT: fake.url }, { channels: { telegramPollTimeoutSec: 1 } });
    expect((await bot.post('/webhooks/telegram', '{}')).status).toBe(404);
    fake.pushUpdate(tgTextUpdate('/start', 777));
    await waitFor(() => fake.sent.length >= 1, 'polled reply');
    expect(fake.sent[0]!.text).toContain('Xin chào');
    expect(fake.calls('deleteWebhook').length).toBeGreaterThanOrEqual(1);
  });

  it('retries deleteWebhook when Telegram fails it, then polls', async () => {
    fake.fail('deleteWebhook', { status: 500, json: { ok: false, error_code: 500, description: 'Internal Server Error' } }, 2);
    bot = await startBot({ TELEGRAM_BOT_TOKEN: TG_TOKEN, TELEGRAM_API_ROOT: fake.url }, { channels: { telegramPollTimeoutSec: 1 } });
    fake.pushUpdate(tgTextUpdate('/start', 778));
    await waitFor(() => fake.sent.length >= 1, 'polled reply');
    const deletes = fake.calls('deleteWebhook');
    expect(deletes.length).toBeGreaterThanOrEqual(3);
    // Polling began only after the webhook was gone.
    expect(fake.calls('getUpdates')[0]!.at).toBeGreaterThanOrEqual(deletes[2]!.at);
  });
});

describe('npm run setup:telegram', () => {
  it('sets the webhook to PUBLIC_BASE_URL/webhooks/telegram with the secret token', async () => {
    const { stdout } = await runScript('scripts/setup-telegram.ts', {
      TELEGRAM_BOT_TOKEN: TG_TOKEN, TELEGRAM_WEBHOOK_SECRET: SECRET, TELEGRAM_API_ROOT: fake.url, PUBLIC_BASE_URL: 'https://bot.example.vn/',
    });
    expect(fake.webhook).toMatchObject({ url: 'https://bot.example.vn/webhooks/telegram', secret_token: SECRET });
    expect(stdout).toContain('Đã đặt webhook');
  });

  it('explains what is missing instead of calling Telegram', async () => {
    const r = await runScript('scripts/setup-telegram.ts', { TELEGRAM_BOT_TOKEN: TG_TOKEN, TELEGRAM_API_ROOT: fake.url }).catch((e: { code: number; stderr: string }) => e);
    expect(r).toMatchObject({ code: 2 });
    expect((r as { stderr: string }).stderr).toContain('TELEGRAM_WEBHOOK_SECRET, PUBLIC_BASE_URL');
  });
});
