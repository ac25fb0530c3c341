import { Telegraf, TelegramError } from 'telegraf';
import type { Logger } from '../../log.js';
import { describe, SendError } from '../kit/errors.js';
import { sleep } from '../kit/outbound.js';
import type { AdapterContext, PlatformAdapter, Refusal, WebhookSpec } from '../kit/types.js';
import { safeEqual } from '../kit/webhook.js';
import { groupCallbackId, isUpdate, parseTelegram, type TgUpdate } from './parse.js';
import { renderTelegram, TELEGRAM_TEXT_LIMIT, type TgPart } from './render.js';

export interface TelegramOptions {
  token: string;
  apiRoot: string;
  /** With a secret, updates come to the webhook; without, the bot long-polls (trials on a laptop). */
  webhookSecret?: string;
  textLimit?: number;
  /** getUpdates long-poll timeout in seconds (default 50). */
  pollTimeoutSec?: number;
  log: Logger;
}

// Permanent "this person cannot be reached" answers: the subscriber is marked, never retried.
const GONE = [/bot was blocked by the user/i, /user is deactivated/i, /chat not found/i];

/** Telegram's errors: 429 waits `retry_after`, 5xx and network errors retry, blocked/deactivated/not found mean gone. */
export function classifyTelegram(e: unknown): SendError {
  if (e instanceof SendError) return e;
  if (e instanceof TelegramError) {
    if (e.code === 429) return new SendError(429, true, e.parameters?.retry_after ?? 1);
    const gone = (e.code === 403 || e.code === 400) && GONE.some((re) => re.test(e.description));
    return new SendError(e.code, e.code >= 500, undefined, gone);
  }
  return new SendError((e as { name?: string })?.name ?? 'network_error', true);
}

/** A failure to store an update (as opposed to a failed getUpdates call). */
class StoreError extends Error {
  constructor(override readonly cause: unknown) {
    super('could not store an update');
  }
}

export function telegramAdapter(o: TelegramOptions): PlatformAdapter<TgUpdate, TgPart> {
  const bot = new Telegraf(o.token, { telegram: { apiRoot: o.apiRoot, webhookReply: false } });
  // Telegraf types its signal as the abort-controller shim; node-fetch accepts the native one at run time.
  type TgSignal = NonNullable<Parameters<typeof bot.telegram.callApi>[2]>['signal'];
  const api = (method: Parameters<typeof bot.telegram.callApi>[0], body: object, signal: AbortSignal) =>
    bot.telegram.callApi(method, body as never, { signal: signal as unknown as TgSignal });
  const polling = new AbortController();
  let pollLoop: Promise<void> | undefined;
  let ctx: AdapterContext<TgUpdate> | undefined;

  const answerCallback = (id: string, signal: AbortSignal) => api('answerCallbackQuery', { callback_query_id: id }, signal).then(() => undefined);
  /** Answers a group chat's button press on the side; the update itself is not a conversation. */
  const screen = (update: TgUpdate) => {
    const id = groupCallbackId(update);
    if (id && ctx) void ctx.call('answerCallbackQuery', (signal) => answerCallback(id, signal)).catch(() => undefined);
  };

  const webhook: WebhookSpec<TgUpdate> | undefined = o.webhookSecret ? {
    path: '/webhooks/telegram',
    verify(req): Refusal | undefined {
      const got = req.header('x-telegram-bot-api-secret-token');
      if (!got) return { status: 401, code: 'unauthorized', message: 'Missing secret token' };
      if (!safeEqual(got, o.webhookSecret!)) return { status: 403, code: 'forbidden', message: 'Wrong secret token' };
      return undefined;
    },
    events(body) {
      if (!isUpdate(body)) return [];
      screen(body);
      return [body];
    },
  } : undefined;

  async function poll(c: AdapterContext<TgUpdate>): Promise<void> {
    const signal = polling.signal;
    let offset = 0;
    let failures = 0;
    // Telegram refuses getUpdates while a webhook is set.
    await api('deleteWebhook', { drop_pending_updates: false }, signal).catch((e: unknown) => {
      if (!signal.aborted) o.log.warn({ channel: 'telegram', err: describe(classifyTelegram(e)) }, 'deleteWebhook failed; polling anyway');
    });
    while (!signal.aborted) {
      try {
        const timeout = o.pollTimeoutSec ?? 50;
        // The long poll's own deadline guards against a connection that silently hangs.
        const deadline = AbortSignal.any([signal, AbortSignal.timeout((timeout + 15) * 1000)]);
        const updates = await api('getUpdates', { timeout, offset, allowed_updates: ['message', 'callback_query'] }, deadline);
        failures = 0;
        for (const u of updates as unknown[]) {
          if (!isUpdate(u)) continue;
          screen(u);
          // Stored before the offset moves past it: the next getUpdates confirms it to Telegram.
          await c.accept(u).catch((err: unknown) => { throw new StoreError(err); });
          offset = Math.max(offset, u.update_id + 1);
        }
      } catch (e) {
        if (signal.aborted) return;
        const err = e instanceof StoreError ? undefined : classifyTelegram(e);
        if (err && (err.code === 401 || err.code === 404)) {
          o.log.error({ channel: 'telegram', code: err.code }, 'bot token rejected; long polling stopped');
          return;
        }
        // Not confirmed to Telegram on a store failure: the same updates come again; those stored are dropped as duplicates.
        const delay = c.retryDelay(++failures, err);
        o.log.warn({ channel: 'telegram', err: describe(e instanceof StoreError ? e.cause : err), delayMs: delay },
          e instanceof StoreError ? 'could not store an update; fetching it again' : 'getUpdates failed; retrying');
        await sleep(delay, signal).catch(() => undefined);
      }
    }
  }

  return {
    name: 'telegram',
    rate: { perSecond: 25, burst: 30 },
    sendMethod: 'sendMessage',
    parse: parseTelegram,
    render: (reply) => renderTelegram(reply, o.textLimit ?? TELEGRAM_TEXT_LIMIT),
    async send(to, part, signal) {
      await api('sendMessage', { chat_id: String(to), text: part.text, ...(part.reply_markup ? { reply_markup: part.reply_markup } : {}) }, signal);
    },
    classify: classifyTelegram,
    acknowledge: answerCallback,
    webhook,
    async start(c) {
      ctx = c;
      if (o.webhookSecret) return o.log.info({ channel: 'telegram', mode: 'webhook' }, 'telegram updates arrive at the webhook');
      o.log.info({ channel: 'telegram', mode: 'polling' }, 'no TELEGRAM_WEBHOOK_SECRET: long polling');
      pollLoop = poll(c).catch((err: unknown) => o.log.error({ channel: 'telegram', err: describe(err) }, 'polling crashed'));
    },
    async stop() {
      polling.abort();
      await pollLoop;
    },
  };
}
