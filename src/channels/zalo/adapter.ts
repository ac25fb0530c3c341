import crypto from 'node:crypto';
import axios, { type AxiosInstance } from 'axios';
import type { Logger } from '../../log.js';
import type { SettingsStore } from '../../storage/ports.js';
import { describe, parseRetryAfter, PlatformHttpError, SendError } from '../kit/errors.js';
import type { Reply } from '../../core/messages.js';
import type { AdapterContext, PlatformAdapter, Refusal, Rendered, WebhookRequest, WebhookSpec } from '../kit/types.js';
import { safeEqual } from '../kit/webhook.js';
import { downloadImage } from '../kit/images.js';
import { DAY_MS, HOUR_MS, type Windows } from '../kit/windows.js';
import { parseZalo, type ZaloEvent } from './parse.js';
import { renderZalo, ZALO_TEXT_LIMIT, type ZaloPart } from './render.js';
import { ZaloTokens } from './tokens.js';

export interface ZaloOptions {
  appId: string;
  appSecret?: string;
  oaSecretKey: string;
  accessToken: string;
  refreshToken?: string;
  apiUrl: string;
  oauthUrl: string;
  textLimit?: number;
  timeoutMs?: number;
  /** How often the access token's expiry is checked (default 5 min), and how long before expiry it is refreshed (default 1 h). */
  refreshCheckMs?: number;
  refreshBeforeMs?: number;
  settings: SettingsStore;
  log: Logger;
  /** The operator pays for consultation messages 48 h–7 days after the last interaction: broadcasts may use them. */
  paidSending?: boolean;
}

/** An error code in a Zalo API answer (HTTP 200 with `error` ≠ 0). */
export class ZaloApiError extends Error {
  constructor(readonly code: number) {
    super(`zalo error ${code}`);
  }
}

const TOKEN_REJECTED = new Set([-216, -220]);
const RATE_LIMITED = -32;
// Not a follower any more, blocked this kind of message, inactive over 45 days: treated as unsubscribed.
const GONE = new Set([-213, -244, -227]);
// No interaction in the last 7 days: not sendable now, fine after the person's next message.
const OUTSIDE_WINDOW = new Set([-230, -232]);
/** Consultation messages: within 7 days of the last interaction, free for the first 48 h. */
const FREE_MS = 48 * HOUR_MS;
const CS_WINDOW_MS = 7 * DAY_MS;

export function classifyZalo(e: unknown): SendError {
  if (e instanceof SendError) return e;
  if (e instanceof ZaloApiError) return new SendError(e.code, e.code === RATE_LIMITED, undefined, GONE.has(e.code), OUTSIDE_WINDOW.has(e.code));
  if (e instanceof PlatformHttpError) {
    const retryable = e.status === 429 || e.status >= 500;
    return new SendError(e.status, retryable, retryable ? parseRetryAfter(e.headers['retry-after']) : undefined);
  }
  return new SendError((e as { name?: string })?.name ?? 'network_error', true);
}

/** Zalo Official Account through the OA Open API v3. */
export class ZaloAdapter implements PlatformAdapter<ZaloEvent, ZaloPart> {
  readonly name = 'zalo' as const;
  readonly rate = { perSecond: 20, burst: 20 };
  readonly sendMethod = 'oa/message/cs';
  readonly parse = parseZalo;
  readonly classify = classifyZalo;
  readonly webhook: WebhookSpec<ZaloEvent>;
  readonly windows: Windows;
  private readonly http: AxiosInstance;
  private readonly tokens: ZaloTokens;
  private timer?: NodeJS.Timeout;

  /** When the access token in use expires (epoch ms), for the operator's gauge. */
  tokenExpiresAt(): Promise<number | undefined> {
    return this.tokens.expiresAt();
  }

  constructor(private o: ZaloOptions) {
    this.http = axios.create({ timeout: o.timeoutMs ?? 10_000, validateStatus: () => true });
    // Staff replies may use the whole 7 days (a person is waiting for an answer); automated ones stay free unless paid sending is on.
    this.windows = { automated: o.paidSending ? CS_WINDOW_MS : FREE_MS, human: CS_WINDOW_MS, free: FREE_MS };
    this.tokens = new ZaloTokens({ settings: o.settings, log: o.log, http: this.http }, {
      appId: o.appId, appSecret: o.appSecret, oauthUrl: o.oauthUrl, envAccess: o.accessToken, envRefresh: o.refreshToken,
    });
    this.webhook = { path: '/webhooks/zalo', verify: (req) => this.verify(req), events: (body) => [body as ZaloEvent] };
  }

  render(reply: Reply): Rendered<ZaloPart> {
    return renderZalo(reply, this.o.textLimit ?? ZALO_TEXT_LIMIT);
  }

  /** A rejected token is refreshed once and the message sent once more, never in a loop. */
  async send(to: unknown, part: ZaloPart, signal: AbortSignal): Promise<void> {
    let token = await this.tokens.accessToken();
    if (!token) throw new SendError('zalo_no_access_token', false);
    let code = await this.post(token, String(to), part, signal);
    if (TOKEN_REJECTED.has(code) && this.tokens.canRefresh()) {
      token = await this.tokens.refresh(token).catch((e: unknown) => {
        throw new SendError(`zalo_refresh_failed:${e instanceof SendError ? e.code : 'error'}`, false);
      });
      code = await this.post(token, String(to), part, signal);
    }
    if (code !== 0) throw new ZaloApiError(code);
  }

  /** `user_send_image`: the picture from its URL (Zalo's CDN; the event that named it was signed). */
  fetchImage(ref: unknown, maxBytes: number, signal: AbortSignal): Promise<Uint8Array> {
    return downloadImage((ref as { url: string }).url, maxBytes, signal);
  }

  async start(ctx: AdapterContext<ZaloEvent>): Promise<void> {
    this.tokens.call = ctx.call;
    await this.tokens.init();
    if (!this.o.appSecret || !this.o.refreshToken) this.o.log.warn({ channel: 'zalo' }, 'ZALO_APP_SECRET or ZALO_REFRESH_TOKEN not set: the access token will not be refreshed');
    const tick = () => void this.checkExpiry().catch((err: unknown) => this.o.log.error({ channel: 'zalo', err: describe(err) }, 'zalo token refresh failed'));
    this.timer = setInterval(tick, this.o.refreshCheckMs ?? 5 * 60_000);
    this.timer.unref();
    tick();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.tokens.idle();
  }

  private verify(req: WebhookRequest): Refusal | undefined {
    const header = req.header('x-zevent-signature');
    if (!header) return { status: 401, code: 'unauthorized', message: 'Missing X-ZEvent-Signature' };
    if (!req.body) return undefined; // answered 400 as malformed
    const ts = typeof req.body.timestamp === 'string' || typeof req.body.timestamp === 'number' ? String(req.body.timestamp) : '';
    // Plain SHA-256 of app_id + raw body + timestamp + OA secret key (Zalo's scheme, not an HMAC).
    const mac = crypto.createHash('sha256').update(this.o.appId).update(req.raw).update(ts).update(this.o.oaSecretKey).digest('hex');
    if (!safeEqual(header.trim().replace(/^mac=/i, '').toLowerCase(), mac)) return { status: 403, code: 'forbidden', message: 'Bad signature' };
    return undefined;
  }

  private async post(token: string, userId: string, message: ZaloPart, signal: AbortSignal): Promise<number> {
    const res = await this.http.post(`${this.o.apiUrl}/v3.0/oa/message/cs`, { recipient: { user_id: userId }, message },
      { headers: { access_token: token, 'content-type': 'application/json' }, signal });
    if (res.status >= 400) throw new PlatformHttpError(res.status, res.data, res.headers);
    return Number((res.data as { error?: unknown } | undefined)?.error ?? 0);
  }

  private async checkExpiry(): Promise<void> {
    if (!this.tokens.canRefresh()) return;
    const at = await this.tokens.expiresAt();
    if (at !== undefined && at - Date.now() < (this.o.refreshBeforeMs ?? 60 * 60_000)) await this.tokens.refresh();
  }
}
