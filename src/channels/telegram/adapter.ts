import { Telegraf, TelegramError } from 'telegraf';
import type { Logger } from '../../log.js';
import { deadline } from '../kit/deadline.js';
import { describe, PlatformHttpError, SendError } from '../kit/errors.js';
import { sleep } from '../kit/outbound.js';
import type { Reply } from '../../core/messages.js';
import type { AdapterContext, PlatformAdapter, Refusal, Rendered, WebhookSpec } from '../kit/types.js';
import { safeEqual } from '../kit/webhook.js';
import { downloadImage, IMAGE_TOO_LARGE } from '../kit/images.js';
import { groupCallbackId, isUpdate, parseTelegram, TELEGRAM_ALLOWED_UPDATES, type TgUpdate } from './parse.js';
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
  if (e instanceof PlatformHttpError) return new SendError(e.status, e.status === 429 || e.status >= 500);
  return new SendError((e as { name?: string })?.name ?? 'network_error', true);
}

/** A failure to store an update (as opposed to a failed getUpdates call). */
class StoreError extends Error {
  constructor(override readonly cause: unknown) {
    super('could not store an update');
  }
}

/** Telegram Bot API through Telegraf's client; webhook with a secret, long polling without. */
export class TelegramAdapter implements PlatformAdapter<TgUpdate, TgPart> {
  readonly name = 'telegram' as const;
  // 25 a second sustained; a small burst keeps any one second under Telegram's ~30 messages/s for bulk sending.
  readonly rate = { perSecond: 25, burst: 5 };
  readonly sendMethod = 'sendMessage';
  readonly parse = parseTelegram;
  readonly classify = classifyTelegram;
  readonly webhook?: WebhookSpec<TgUpdate>;
  private readonly bot: Telegraf;
  private readonly polling = new AbortController();
  private pollLoop?: Promise<void>;
  private ctx?: AdapterContext<TgUpdate>;

  constructor(private o: TelegramOptions) {
    this.bot = new Telegraf(o.token, { telegram: { apiRoot: o.apiRoot, webhookReply: false } });
    if (o.webhookSecret) this.webhook = this.webhookSpec(o.webhookSecret);
  }

  render(reply: Reply): Rendered<TgPart> {
    return renderTelegram(reply, this.o.textLimit ?? TELEGRAM_TEXT_LIMIT);
  }

  async send(to: unknown, part: TgPart, signal: AbortSignal): Promise<void> {
    await this.api('sendMessage', { chat_id: String(to), text: part.text, ...(part.reply_markup ? { reply_markup: part.reply_markup } : {}) }, signal);
  }

  async acknowledge(callbackId: string, signal: AbortSignal): Promise<void> {
    await this.api('answerCallbackQuery', { callback_query_id: callbackId }, signal);
  }

  /** getFile, then the file from `{apiRoot}/file/bot<token>/<file_path>` (the Bot API's download URL). */
  async fetchImage(ref: unknown, maxBytes: number, signal: AbortSignal): Promise<Uint8Array> {
    const { fileId, size } = ref as { fileId: string; size?: number };
    if (size !== undefined && size > maxBytes) throw new SendError(IMAGE_TOO_LARGE, false);
    const file = await this.api('getFile', { file_id: fileId }, signal) as { file_path?: string; file_size?: number };
    if (typeof file.file_size === 'number' && file.file_size > maxBytes) throw new SendError(IMAGE_TOO_LARGE, false);
    if (!file.file_path) throw new SendError('telegram_file_unavailable', false);
    const path = file.file_path.split('/').map(encodeURIComponent).join('/');
    return downloadImage(`${this.o.apiRoot}/file/bot${this.o.token}/${path}`, maxBytes, signal);
  }

  async start(ctx: AdapterContext<TgUpdate>): Promise<void> {
    this.ctx = ctx;
    if (this.o.webhookSecret) return this.o.log.info({ channel: 'telegram', mode: 'webhook' }, 'telegram updates arrive at the webhook');
    this.o.log.info({ channel: 'telegram', mode: 'polling' }, 'no TELEGRAM_WEBHOOK_SECRET: long polling');
    this.pollLoop = this.poll(ctx).catch((err: unknown) => this.o.log.error({ channel: 'telegram', err: describe(err) }, 'polling crashed'));
  }

  async stop(): Promise<void> {
    this.polling.abort();
    await this.pollLoop;
  }

  private api(method: Parameters<Telegraf['telegram']['callApi']>[0], body: object, signal: AbortSignal) {
    // Telegraf types its signal as the abort-controller shim; node-fetch accepts the native one at run time.
    type TgSignal = NonNullable<Parameters<Telegraf['telegram']['callApi']>[2]>['signal'];
    return this.bot.telegram.callApi(method, body as never, { signal: signal as unknown as TgSignal });
  }

  /** Answers a group chat's button press on the side; the update itself is not a conversation. */
  private screen(update: TgUpdate): void {
    const id = groupCallbackId(update);
    if (id && this.ctx) void this.ctx.call('answerCallbackQuery', (signal) => this.acknowledge(id, signal)).catch(() => undefined);
    // Added to a group: its id is what STAFF_TELEGRAM_CHAT_ID needs (a group's id is not a citizen's).
    const m = update.my_chat_member;
    if (m?.chat && m.chat.type !== 'private' && (m.new_chat_member?.status === 'member' || m.new_chat_member?.status === 'administrator')) {
      this.o.log.info({ channel: 'telegram', groupId: String(m.chat.id) }, 'the bot was added to a group; its id may serve as STAFF_TELEGRAM_CHAT_ID');
    }
  }

  private webhookSpec(secret: string): WebhookSpec<TgUpdate> {
    return {
      path: '/webhooks/telegram',
      verify(req): Refusal | undefined {
        const got = req.header('x-telegram-bot-api-secret-token');
        if (!got) return { status: 401, code: 'unauthorized', message: 'Missing secret token' };
        if (!safeEqual(got, secret)) return { status: 403, code: 'forbidden', message: 'Wrong secret token' };
        return undefined;
      },
      events: (body) => {
        if (!isUpdate(body)) return [];
        this.screen(body);
        return [body];
      },
    };
  }

  private async poll(c: AdapterContext<TgUpdate>): Promise<void> {
    const signal = this.polling.signal;
    let offset = 0;
    let failures = 0;
    await this.dropWebhook(c, signal);
    while (!signal.aborted) {
      try {
        offset = await this.pollOnce(c, offset);
        failures = 0;
      } catch (e) {
        if (signal.aborted) return;
        const err = e instanceof StoreError ? undefined : classifyTelegram(e);
        if (err && (err.code === 401 || err.code === 404)) return this.o.log.error({ channel: 'telegram', code: err.code }, 'bot token rejected; long polling stopped');
        // 409: a webhook was set meanwhile (another deployment); polling resumes only once it is gone.
        if (err?.code === 409) await this.dropWebhook(c, signal);
        // Not confirmed to Telegram on a store failure: the same updates come again; those stored are dropped as duplicates.
        const delay = c.retryDelay(++failures, err);
        this.o.log.warn({ channel: 'telegram', err: describe(e instanceof StoreError ? e.cause : err), delayMs: delay },
          e instanceof StoreError ? 'could not store an update; fetching it again' : 'getUpdates failed; retrying');
        await sleep(delay, signal).catch(() => undefined);
      }
    }
  }

  /** Telegram refuses getUpdates while a webhook is set. Retried like any call: a reset connection must not leave it set. */
  private async dropWebhook(c: AdapterContext<TgUpdate>, signal: AbortSignal): Promise<void> {
    await c.call('deleteWebhook', (s) => this.api('deleteWebhook', { drop_pending_updates: false }, AbortSignal.any([s, signal]))).catch((e: unknown) => {
      if (!signal.aborted) this.o.log.warn({ channel: 'telegram', err: describe(e) }, 'deleteWebhook failed; polling anyway');
    });
  }

  /** One long poll; returns the next offset. Each update is stored before the offset moves past it. */
  private async pollOnce(c: AdapterContext<TgUpdate>, offset: number): Promise<number> {
    const timeout = this.o.pollTimeoutSec ?? 50;
    // The long poll's own deadline guards against a connection that silently hangs.
    const limit = deadline((timeout + 15) * 1000, this.polling.signal);
    const updates = await this.api('getUpdates', { timeout, offset, allowed_updates: TELEGRAM_ALLOWED_UPDATES }, limit.signal).finally(() => limit.clear());
    for (const u of updates as unknown[]) {
      if (!isUpdate(u)) continue;
      this.screen(u);
      await c.accept(u).catch((err: unknown) => { throw new StoreError(err); });
      offset = Math.max(offset, u.update_id + 1);
    }
    return offset;
  }
}
