import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeMessenger, FB_APP_SECRET, FB_PAGE_TOKEN, FB_VERIFY_TOKEN, fbBody, fbEvent, fbSign } from '../helpers/fake-messenger.js';
import { FakeTelegram, TG_TOKEN, tgTextUpdate } from '../helpers/fake-telegram.js';
import { FakeZalo, ZALO_APP_ID, ZALO_APP_SECRET, ZALO_OA_SECRET, zaloSign, zaloText } from '../helpers/fake-zalo.js';
import { startBot, type Bot } from '../helpers/fake-server.js';
import { waitFor } from '../helpers/wait.js';

/** GET /metrics as Prometheus scrapes it, after traffic on every channel. */

const METRICS_TOKEN = 'metrics-scrape-token-0123456789';
const TG_SECRET = 'tg-metrics-secret';
let tg: FakeTelegram;
let fb: FakeMessenger;
let zl: FakeZalo;
let b: Bot;

beforeAll(async () => {
  [tg, fb, zl] = await Promise.all([FakeTelegram.start(), FakeMessenger.start(), FakeZalo.start()]);
});
beforeEach(() => zl.reset(['at-live'], ['rt-1']));
afterAll(async () => {
  await b?.stop();
  await Promise.all([tg.close(), fb.close(), zl.close()]);
});

/** Parses the text exposition format into series: `name{labels}` -> value. */
function parse(text: string): Map<string, number> {
  const series = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$/.exec(line);
    if (m) series.set(`${m[1]}${m[2] ?? ''}`, Number(m[3]));
  }
  return series;
}
const value = (s: Map<string, number>, name: string, labels: Record<string, string> = {}) => [...s.entries()]
  .filter(([k]) => k === name || k.startsWith(`${name}{`))
  .filter(([k]) => Object.entries(labels).every(([l, v]) => k.includes(`${l}="${v}"`)))
  .reduce((sum, [, v]) => sum + v, 0);

describe('GET /metrics', () => {
  it('counts messages, replies, errors, durations, unanswered questions, queues and the Zalo token per channel, without user ids', async () => {
    b = await startBot({
      METRICS_TOKEN, WEBCHAT_LIMIT_PER_IP: '100000',
      TELEGRAM_BOT_TOKEN: TG_TOKEN, TELEGRAM_WEBHOOK_SECRET: TG_SECRET, TELEGRAM_API_ROOT: tg.url,
      MESSENGER_PAGE_ACCESS_TOKEN: FB_PAGE_TOKEN, MESSENGER_APP_SECRET: FB_APP_SECRET, MESSENGER_VERIFY_TOKEN: FB_VERIFY_TOKEN, MESSENGER_GRAPH_URL: fb.graphUrl,
      ZALO_APP_ID, ZALO_APP_SECRET, ZALO_OA_SECRET_KEY: ZALO_OA_SECRET, ZALO_ACCESS_TOKEN: 'at-live', ZALO_REFRESH_TOKEN: 'rt-1', ZALO_API_URL: zl.url, ZALO_OAUTH_URL: zl.url,
    });
    expect((await fetch(`${b.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${b.url}/metrics`, { headers: { authorization: 'Bearer wrong-token-xxxxxxxxxxxx' } })).status).toBe(401);

    // Web: a menu and a question the knowledge base cannot answer.
    for (const text of ['menu', 'Ông Quýt hỏi lịch tập huấn VNeID ở bản Nậm Xe khi nào']) {
      expect((await b.post('/api/chat', JSON.stringify({ userId: 'web-metrics-user-1', text }))).status).toBe(200);
    }
    // Telegram, Messenger (one reply failing for good), Zalo.
    await b.post('/webhooks/telegram', JSON.stringify(tgTextUpdate('menu', 5550001)), { 'x-telegram-bot-api-secret-token': TG_SECRET });
    fb.fail({ status: 400, json: { error: { message: 'Invalid parameter', code: 100 } } }, 1);
    for (const text of ['menu', 'hướng dẫn']) {
      const raw = JSON.stringify(fbBody([fbEvent({ psid: 'PSID-metrics-1', text })]));
      await b.post('/webhooks/messenger', raw, { 'x-hub-signature-256': fbSign(raw) });
    }
    const zev = zaloText('menu', '2468013579246800001');
    const zraw = JSON.stringify(zev);
    await b.post('/webhooks/zalo', zraw, { 'x-zevent-signature': zaloSign(zraw, String(zev.timestamp)) });
    await waitFor(() => tg.sent.length >= 1 && fb.sent.length >= 1 && zl.sent.length >= 1, 'replies on every platform');

    const scrape = async () => {
      const res = await fetch(`${b.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      return res.text();
    };
    await waitFor(async () => value(parse(await scrape()), 'bot_send_errors_total', { channel: 'messenger' }) === 1, 'the failed send counted');
    const text = await scrape();
    const s = parse(text);
    for (const channel of ['web', 'telegram', 'messenger', 'zalo']) {
      expect(value(s, 'bot_messages_received_total', { channel }), channel).toBeGreaterThanOrEqual(1);
      expect(value(s, 'bot_messages_sent_total', { channel, kind: 'reply', outcome: 'sent' }), channel).toBeGreaterThanOrEqual(1);
      expect(value(s, 'bot_reply_duration_seconds_count', { channel }), channel).toBeGreaterThanOrEqual(1);
      if (channel !== 'web') {
        expect(value(s, 'bot_webhook_duration_seconds_count', { channel }), channel).toBeGreaterThanOrEqual(1);
        expect(text).toMatch(new RegExp(`^bot_inbox_pending\\{channel="${channel}"\\} 0$`, 'm'));
        expect(text).toMatch(new RegExp(`^bot_outbox_pending\\{channel="${channel}"\\} 0$`, 'm'));
      }
    }
    expect(value(s, 'bot_messages_received_total', { channel: 'web' })).toBe(2);
    expect(value(s, 'bot_messages_sent_total', { channel: 'messenger', outcome: 'failed' })).toBe(1);
    expect(value(s, 'bot_send_errors_total', { channel: 'messenger', class: 'permanent' })).toBe(1);
    expect(value(s, 'bot_unanswered_total')).toBe(1);
    // The seed token's expiry is a day ahead.
    expect(value(s, 'zalo_token_expires_in_seconds')).toBeGreaterThan(23 * 3600);
    expect(value(s, 'process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
    // No user id, pseudonym or message text in any label.
    for (const leak of ['web-metrics-user-1', '5550001', 'PSID-metrics-1', '2468013579246800001', 'xe trâu bay']) expect(text).not.toContain(leak);
  });
});
