import { FakeMessenger, FB_APP_SECRET, FB_PAGE_TOKEN, FB_VERIFY_TOKEN, fbBody, fbEvent, fbSign } from './fake-messenger.js';
import type { FakeServer } from './fake-server.js';
import { FakeTelegram, TG_TOKEN, tgCallbackUpdate, tgTextUpdate } from './fake-telegram.js';
import { FakeZalo, ZALO_APP_ID, ZALO_APP_SECRET, ZALO_OA_SECRET, zaloSign, zaloText } from './fake-zalo.js';

/** The three chat platforms' fakes, and one way to talk to the bot through each (for outreach tests). */

export const TG_SECRET = 'tg_webhook-Secret_123';
export const ADMIN_TOKEN = 'outreach-admin-token-123456';
const HOUR = 60 * 60 * 1000;

export interface Fakes {
  telegram: FakeTelegram;
  messenger: FakeMessenger;
  zalo: FakeZalo;
}

export async function startFakes(): Promise<Fakes> {
  const [telegram, messenger, zalo] = await Promise.all([FakeTelegram.start(), FakeMessenger.start(), FakeZalo.start()]);
  zalo.reset(['at-live'], ['rt-1']);
  return { telegram, messenger, zalo };
}

export async function closeFakes(f: Fakes): Promise<void> {
  await Promise.all([f.telegram.close(), f.messenger.close(), f.zalo.close()]);
}

/** Forgets what the fakes received and every scripted failure. */
export function resetFakes(f: Fakes): void {
  f.telegram.sent.length = 0;
  f.telegram.server.requests.length = 0;
  f.telegram.server.clearFailures();
  f.messenger.sent.length = 0;
  f.messenger.server.requests.length = 0;
  f.messenger.server.clearFailures();
  f.zalo.reset(['at-live'], ['rt-1']);
}

/** Settings of all three platforms pointed at the fakes, with an admin token. */
export function platformEnv(f: Fakes): Record<string, string> {
  return {
    TELEGRAM_BOT_TOKEN: TG_TOKEN, TELEGRAM_WEBHOOK_SECRET: TG_SECRET, TELEGRAM_API_ROOT: f.telegram.url,
    MESSENGER_PAGE_ACCESS_TOKEN: FB_PAGE_TOKEN, MESSENGER_APP_SECRET: FB_APP_SECRET, MESSENGER_VERIFY_TOKEN: FB_VERIFY_TOKEN,
    MESSENGER_GRAPH_URL: f.messenger.graphUrl,
    ZALO_APP_ID, ZALO_APP_SECRET, ZALO_OA_SECRET_KEY: ZALO_OA_SECRET, ZALO_ACCESS_TOKEN: 'at-live', ZALO_REFRESH_TOKEN: 'rt-1',
    ZALO_API_URL: f.zalo.url, ZALO_OAUTH_URL: f.zalo.url,
    ADMIN_TOKEN,
  };
}

const post = (url: string, raw: string, headers: Record<string, string>) =>
  fetch(url, { method: 'POST', body: raw, headers: { 'content-type': 'application/json', ...headers } });

export type PlatformName = 'telegram' | 'messenger' | 'zalo';

/** One platform as a citizen uses it: type, press a button, and what the bot sent them. */
export interface Citizen {
  channel: PlatformName;
  /** Sends a text; `hoursAgo` dates it in the past, as the platform would for an old message. */
  say(text: string, hoursAgo?: number): Promise<Response>;
  /** Presses a button (Zalo sends the button's title back as text). */
  press(payload: string, title: string): Promise<Response>;
  texts(user: string): string[];
  server(): FakeServer;
}

export function citizens(f: Fakes, url: () => string): Record<PlatformName, (user: string) => Citizen> {
  return {
    telegram: (user) => ({
      channel: 'telegram',
      say: (text, hoursAgo = 0) => {
        const u = tgTextUpdate(text, Number(user));
        (u.message as { date: number }).date = Math.floor((Date.now() - hoursAgo * HOUR) / 1000);
        return post(`${url()}/webhooks/telegram`, JSON.stringify(u), { 'x-telegram-bot-api-secret-token': TG_SECRET });
      },
      press: (payload) => post(`${url()}/webhooks/telegram`, JSON.stringify(tgCallbackUpdate(payload, Number(user))), { 'x-telegram-bot-api-secret-token': TG_SECRET }),
      texts: (u) => f.telegram.textsTo(u),
      server: () => f.telegram.server,
    }),
    messenger: (user) => {
      const send = (ev: Record<string, unknown>) => {
        const raw = JSON.stringify(fbBody([ev]));
        return post(`${url()}/webhooks/messenger`, raw, { 'x-hub-signature-256': fbSign(raw) });
      };
      return {
        channel: 'messenger',
        say: (text, hoursAgo = 0) => send(fbEvent({ psid: user, text, timestamp: Date.now() - hoursAgo * HOUR })),
        press: (payload, title) => send(fbEvent({ psid: user, text: title, quickReply: payload })),
        texts: (u) => f.messenger.textsTo(u),
        server: () => f.messenger.server,
      };
    },
    zalo: (user) => {
      const say = (text: string, hoursAgo = 0) => {
        const ev = { ...zaloText(text, user), timestamp: String(Date.now() - hoursAgo * HOUR) };
        const raw = JSON.stringify(ev);
        return post(`${url()}/webhooks/zalo`, raw, { 'x-zevent-signature': zaloSign(raw, ev.timestamp) });
      };
      return { channel: 'zalo', say, press: (_payload, title) => say(title), texts: (u) => f.zalo.textsTo(u), server: () => f.zalo.server };
    },
  };
}

/** A signed Zalo event of any kind (follow, unfollow). */
export function postZalo(url: string, ev: Record<string, unknown>): Promise<Response> {
  const raw = JSON.stringify(ev);
  return post(`${url}/webhooks/zalo`, raw, { 'x-zevent-signature': zaloSign(raw, String(ev.timestamp)) });
}

export function postTelegram(url: string, update: Record<string, unknown>): Promise<Response> {
  return post(`${url}/webhooks/telegram`, JSON.stringify(update), { 'x-telegram-bot-api-secret-token': TG_SECRET });
}

/** The admin API with the operator token. */
export function adminApi(url: () => string, token = ADMIN_TOKEN) {
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${url()}${path}`, {
      method, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as any };
  };
  return {
    get: (path: string) => call('GET', path),
    post: (path: string, body?: unknown) => call('POST', path, body),
  };
}
