import express from 'express';
import { Telegraf, TelegramError } from 'telegraf';
import type { Button, Reply } from '../core/messages.js';
import { sendError } from '../http/errors.js';
import type { Channel } from './channel.js';
import type { PlatformDeps, PlatformChannelOptions } from './index.js';
import { describe, Inbox, Outbound, parseJsonBody, safeEqual, SendError, sleep, type Accepted, type TurnJob } from './outbound.js';
import { ButtonMemory, splitText, utf8Length, withNumberedButtons } from './render.js';

export const TELEGRAM_TEXT_LIMIT = 4096;
const CALLBACK_DATA_MAX_BYTES = 64;
const MAX_INLINE_BUTTONS = 100;

interface TgUser { id: number }
interface TgChat { id: number; type: string }
interface TgMessage { message_id: number; chat: TgChat; from?: TgUser; text?: string }
interface TgCallbackQuery { id: string; from: TgUser; message?: TgMessage; data?: string }
interface TgUpdate { update_id: number; message?: TgMessage; callback_query?: TgCallbackQuery }

interface TgPart { text: string; reply_markup?: { inline_keyboard: { text: string; callback_data: string }[][] } }

/** Renders one reply: inline keyboard on the last part, or a numbered list when a payload is too long for callback_data. */
export function renderTelegram(reply: Reply, limit: number): { parts: TgPart[]; numbered?: Button[] } {
  const buttons = reply.buttons ?? [];
  const fits = buttons.length <= MAX_INLINE_BUTTONS && buttons.every((b) => utf8Length(b.payload) <= CALLBACK_DATA_MAX_BYTES && b.payload.length > 0);
  const text = buttons.length && !fits ? withNumberedButtons(reply.text, buttons) : reply.text;
  const parts: TgPart[] = splitText(text, limit).map((t) => ({ text: t }));
  if (buttons.length && fits) {
    // One button per row: Vietnamese titles are long and phones are narrow.
    parts[parts.length - 1]!.reply_markup = { inline_keyboard: buttons.map((b) => [{ text: b.title, callback_data: b.payload }]) };
  }
  return { parts, numbered: buttons.length && !fits ? buttons : undefined };
}

function isUpdate(v: unknown): v is TgUpdate {
  return !!v && typeof v === 'object' && Number.isSafeInteger((v as TgUpdate).update_id);
}

/** Telegram bot: webhook at /webhooks/telegram when TELEGRAM_WEBHOOK_SECRET is set, otherwise long polling. */
export function createTelegramChannel(deps: PlatformDeps, options: PlatformChannelOptions = {}): Channel | undefined {
  const { config, engine, storage, log } = deps;
  const token = config.TELEGRAM_BOT_TOKEN;
  if (!token) {
    log.info({ channel: 'telegram' }, 'channel off: TELEGRAM_BOT_TOKEN is not set');
    return undefined;
  }
  const bot = new Telegraf(token, { telegram: { apiRoot: config.TELEGRAM_API_ROOT, webhookReply: false } });
  const outbound = new Outbound('telegram', storage, log, { ratePerSecond: 25, burst: 30, drainTimeoutMs: config.SHUTDOWN_TIMEOUT_MS, ...options.outbound });
  const memory = new ButtonMemory();
  const limit = options.textLimit?.telegram ?? TELEGRAM_TEXT_LIMIT;
  const secret = config.TELEGRAM_WEBHOOK_SECRET;

  const classify = (e: unknown): SendError => {
    if (e instanceof SendError) return e;
    if (e instanceof TelegramError) {
      if (e.code === 429) return new SendError(429, true, outbound.seconds(e.parameters?.retry_after ?? 1));
      return new SendError(e.code, e.code >= 500);
    }
    return new SendError((e as { name?: string })?.name ?? 'network_error', true);
  };
  // Telegraf types its signal as the abort-controller shim; node-fetch accepts the native one at run time.
  type TgSignal = NonNullable<Parameters<typeof bot.telegram.callApi>[2]>['signal'];
  const sig = (signal: AbortSignal) => ({ signal: signal as unknown as TgSignal });
  const api = <T>(method: string, fn: (signal: AbortSignal) => Promise<T>) =>
    outbound.call(method, (signal) => fn(signal).catch((e: unknown) => { throw classify(e); }));

  async function deliver(chatId: string, replies: Reply[]): Promise<void> {
    let numbered: Button[] | undefined;
    for (const reply of replies) {
      const rendered = renderTelegram(reply, limit);
      numbered = rendered.numbered;
      for (const part of rendered.parts) {
        await api('sendMessage', (signal) => bot.telegram.callApi('sendMessage', { chat_id: chatId, text: part.text, ...(part.reply_markup ? { reply_markup: part.reply_markup } : {}) }, sig(signal)));
      }
    }
    memory.offer(chatId, { numbered });
  }

  /** The conversation job for an update (fresh or replayed from the inbox); undefined for anything else. */
  function toJob(update: TgUpdate): TurnJob | undefined {
    const { message, callback_query: cq } = update;
    const messageId = String(update.update_id);
    const deliverTo = (userId: string) => (replies: Reply[]) => deliver(userId, replies);
    if (message) {
      // Private chats only: in groups the bot would answer everyone's chatter.
      if (message.chat?.type !== 'private') return undefined;
      const userId = String(message.chat.id);
      const text = typeof message.text === 'string' ? normaliseCommand(message.text) : undefined;
      return {
        userId, messageId,
        inbound: () => {
          const payload = memory.resolve(userId, text);
          return payload ? { payload } : text !== undefined ? { text } : { unsupported: true };
        },
        deliver: deliverTo(userId),
      };
    }
    if (cq && typeof cq.id === 'string') {
      const chat = cq.message?.chat;
      if (chat && chat.type !== 'private') return undefined;
      const userId = String(chat?.id ?? cq.from.id);
      return {
        userId, messageId,
        // Every callback gets an answer, or the button keeps spinning.
        onClaimed: () => answerCallback(cq.id),
        inbound: () => (cq.data ? { payload: cq.data } : { unsupported: true }),
        deliver: deliverTo(userId),
      };
    }
    // Other update kinds (edited messages, polls, membership changes) are not part of the conversation.
    return undefined;
  }

  const answerCallback = (id: string) =>
    api('answerCallbackQuery', (signal) => bot.telegram.callApi('answerCallbackQuery', { callback_query_id: id }, sig(signal))).then(() => undefined);
  const inbox = new Inbox<TgUpdate>({ outbound, storage, engine, log }, toJob, { leaseMs: config.INBOX_LEASE_MS, sweepMs: config.INBOX_SWEEP_MS });

  /** Stores a conversation update (throws if it cannot); a group chat's button press is only acknowledged. */
  function onUpdate(update: TgUpdate): Promise<Accepted> {
    const cq = update.callback_query;
    if (cq && typeof cq.id === 'string' && cq.message?.chat && cq.message.chat.type !== 'private') {
      // Not a conversation we hold, but the button must still stop spinning.
      void answerCallback(cq.id).catch(() => undefined);
    }
    return inbox.accept(update);
  }

  const router = express.Router();
  if (secret) {
    router.post('/webhooks/telegram', express.raw({ type: () => true, limit: config.BODY_LIMIT_BYTES }), async (req, res) => {
      const got = req.get('x-telegram-bot-api-secret-token');
      if (!got) return sendError(res, 401, 'unauthorized', 'Missing secret token');
      if (!safeEqual(got, secret)) return sendError(res, 403, 'forbidden', 'Wrong secret token');
      const body = parseJsonBody(req.body);
      if (!body) return sendError(res, 400, 'malformed_json', 'Request body is not valid JSON');
      try {
        // Acknowledged only once stored: a crash after the 200 loses nothing.
        if (isUpdate(body)) await onUpdate(body);
      } catch (err) {
        log.error({ channel: 'telegram', err: describe(err) }, 'could not store an update; Telegram will redeliver it');
        return sendError(res, 500, 'storage_unavailable', 'Could not store the update');
      }
      res.sendStatus(200);
    });
  }

  const polling = new AbortController();
  let pollLoop: Promise<void> | undefined;

  async function poll(): Promise<void> {
    const signal = polling.signal;
    let offset = 0;
    let failures = 0;
    try {
      // Telegram refuses getUpdates while a webhook is set.
      await bot.telegram.callApi('deleteWebhook', { drop_pending_updates: false }, sig(signal));
    } catch (e) {
      if (signal.aborted) return;
      log.warn({ channel: 'telegram', err: describe(classify(e)) }, 'deleteWebhook failed; polling anyway');
    }
    while (!signal.aborted) {
      try {
        const timeout = options.telegramPollTimeoutSec ?? 50;
        // The long poll's own deadline guards against a connection that silently hangs.
        const deadline = AbortSignal.any([signal, AbortSignal.timeout((timeout + 15) * 1000)]);
        const updates = await bot.telegram.callApi('getUpdates', { timeout, offset, allowed_updates: ['message', 'callback_query'] }, sig(deadline));
        failures = 0;
        for (const u of updates as unknown[]) {
          if (!isUpdate(u)) continue;
          // Stored before the offset moves past it: the next getUpdates confirms it to Telegram.
          await onUpdate(u).catch((err: unknown) => { throw new StoreError(err); });
          offset = Math.max(offset, u.update_id + 1);
        }
      } catch (e) {
        if (e instanceof StoreError) {
          // Not confirmed to Telegram: the same updates come again; those already stored are dropped as duplicates.
          failures++;
          const delay = Math.min(outbound.options.maxDelayMs, outbound.options.baseDelayMs * 2 ** Math.min(failures, 10));
          log.error({ channel: 'telegram', err: describe(e.cause), delayMs: delay }, 'could not store an update; fetching it again');
          await sleep(delay, signal).catch(() => undefined);
          continue;
        }
        if (signal.aborted) return;
        const err = classify(e);
        if (err.code === 401 || err.code === 404) {
          log.error({ channel: 'telegram', code: err.code }, 'bot token rejected; long polling stopped');
          return;
        }
        failures++;
        const delay = err.retryAfterMs ?? Math.min(outbound.options.maxDelayMs, outbound.options.baseDelayMs * 2 ** Math.min(failures, 10));
        log.warn({ channel: 'telegram', code: err.code, delayMs: delay }, 'getUpdates failed; retrying');
        await sleep(delay, signal).catch(() => undefined);
      }
    }
  }

  return {
    name: 'telegram',
    router,
    async start() {
      await inbox.start();
      if (secret) {
        log.info({ channel: 'telegram', mode: 'webhook' }, 'channel on');
      } else {
        log.info({ channel: 'telegram', mode: 'polling' }, 'channel on (no TELEGRAM_WEBHOOK_SECRET: long polling)');
        pollLoop = poll().catch((err: unknown) => log.error({ channel: 'telegram', err: describe(err) }, 'polling crashed'));
      }
    },
    async stop() {
      polling.abort();
      await pollLoop;
      await inbox.stop();
    },
  };
}

/** A failure to store an update (as opposed to a failed getUpdates call). */
class StoreError extends Error {
  constructor(override readonly cause: unknown) {
    super('could not store an update');
  }
}

/** "/start@my_bot" -> "/start"; "/start abc" (deep link) -> "/start". */
function normaliseCommand(text: string): string {
  const m = text.match(/^\/([A-Za-z0-9_]+)(?:@[A-Za-z0-9_]+)?(?:\s|$)/);
  if (!m) return text;
  return m[1]!.toLowerCase() === 'start' ? '/start' : text.replace(/^(\/[A-Za-z0-9_]+)@[A-Za-z0-9_]+/, '$1');
}
