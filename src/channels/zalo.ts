import crypto from 'node:crypto';
import axios, { type AxiosInstance } from 'axios';
import express from 'express';
import type { Button, Reply } from '../core/messages.js';
import type { Logger } from '../log.js';
import type { Storage } from '../storage/types.js';
import { sendError } from '../http/errors.js';
import type { Channel } from './channel.js';
import type { PlatformDeps, PlatformChannelOptions } from './index.js';
import { describe, Inbox, Outbound, parseJsonBody, parseRetryAfter, rawBuffer, safeEqual, SendError, type TurnJob } from './outbound.js';
import { ButtonMemory, splitText, withNumberedButtons } from './render.js';

export const ZALO_TEXT_LIMIT = 2000;
const MAX_BUTTONS = 5;
const TITLE_MAX = 100;
export const ZALO_TOKENS_KEY = 'zalo.tokens';
const TOKEN_REJECTED = new Set([-216, -220]);
const RATE_LIMITED = -32;

interface ZaloButton { title: string; type: 'oa.query.show'; payload: string }
interface ZaloPart { text: string; attachment?: { type: 'template'; payload: { buttons: ZaloButton[] } } }

/**
 * Buttons as `oa.query.show` on the last part (≤ 5), or a numbered list. The query text is shown in the
 * chat as if the user typed it, so it is the button's title (readable), mapped back to the payload on return.
 */
export function renderZalo(reply: Reply, limit: number): { parts: ZaloPart[]; numbered?: Button[]; queries?: [string, string][] } {
  const buttons = reply.buttons ?? [];
  const fits = buttons.length <= MAX_BUTTONS;
  const text = buttons.length && !fits ? withNumberedButtons(reply.text, buttons) : reply.text;
  const parts: ZaloPart[] = splitText(text, limit).map((t) => ({ text: t }));
  if (!buttons.length) return { parts };
  if (!fits) return { parts, numbered: buttons };
  const queries: [string, string][] = [];
  const used = new Set<string>();
  const zb = buttons.map((b, i) => {
    let query = b.title.trim().slice(0, TITLE_MAX);
    if (used.has(query)) query = `${i + 1}. ${query}`; // two buttons with one title must still be told apart
    used.add(query);
    queries.push([query, b.payload]);
    return { title: b.title.slice(0, TITLE_MAX), type: 'oa.query.show' as const, payload: query };
  });
  parts[parts.length - 1]!.attachment = { type: 'template', payload: { buttons: zb } };
  return { parts, queries };
}

interface StoredTokens {
  accessToken: string;
  refreshToken?: string;
  /** Epoch ms; for env-seeded tokens a conservative guess (24 h after seeding). */
  expiresAt?: number;
  /** Fingerprint of the env tokens this record was seeded from: new env tokens replace a stale chain. */
  seed?: string;
  updatedAt: number;
}

/**
 * The OA token pair, kept in storage. The refresh token is single-use, so each new pair is stored
 * (compare-and-set) before its access token is used, and only one refresh runs at a time.
 */
export class ZaloTokens {
  private refreshing?: Promise<string>;

  constructor(
    private deps: { storage: Storage; log: Logger; outbound: Outbound; http: AxiosInstance },
    private cfg: { appId: string; appSecret?: string; oauthUrl: string; envAccess?: string; envRefresh?: string },
  ) {}

  private async read(): Promise<{ raw?: string; tokens?: StoredTokens }> {
    const raw = await this.deps.storage.getSetting(ZALO_TOKENS_KEY);
    if (!raw) return {};
    try {
      const t = JSON.parse(raw) as StoredTokens;
      return typeof t.accessToken === 'string' ? { raw, tokens: t } : { raw };
    } catch {
      return { raw };
    }
  }

  /** Seeds storage from the environment when it holds no pair, or when the operator put new tokens in the environment. */
  async init(): Promise<void> {
    const { envAccess, envRefresh } = this.cfg;
    if (!envAccess) return;
    const seed = crypto.createHash('sha256').update(`${envAccess}\n${envRefresh ?? ''}`).digest('hex').slice(0, 16);
    const { raw, tokens } = await this.read();
    if (tokens && tokens.seed === seed) return;
    const next: StoredTokens = { accessToken: envAccess, refreshToken: envRefresh, expiresAt: Date.now() + 24 * 3600_000, seed, updatedAt: Date.now() };
    if (await this.deps.storage.compareAndSetSetting(ZALO_TOKENS_KEY, raw, JSON.stringify(next))) {
      this.deps.log.info({ channel: 'zalo', replaced: Boolean(tokens) }, 'zalo tokens taken from the environment');
    }
  }

  async accessToken(): Promise<string | undefined> {
    return (await this.read()).tokens?.accessToken;
  }

  async expiresAt(): Promise<number | undefined> {
    return (await this.read()).tokens?.expiresAt;
  }

  canRefresh(): boolean {
    return Boolean(this.cfg.appSecret);
  }

  /** Refreshes once for everyone waiting; `rejected` skips the call if another caller already replaced that token. */
  refresh(rejected?: string): Promise<string> {
    this.refreshing ??= this.doRefresh(rejected).finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  async idle(): Promise<void> {
    await this.refreshing?.catch(() => undefined);
  }

  private async doRefresh(rejected?: string): Promise<string> {
    const { storage, log } = this.deps;
    const { raw, tokens } = await this.read();
    if (tokens && rejected && tokens.accessToken !== rejected) return tokens.accessToken;
    if (!tokens?.refreshToken || !this.cfg.appSecret) throw new SendError('zalo_refresh_not_configured', false);
    const used = tokens.refreshToken;
    const data = await this.callRefresh(used).catch(async (err: unknown) => {
      // Another instance sharing this database may have used the same refresh token first.
      const again = await this.read();
      if (again.tokens && again.tokens.accessToken !== tokens.accessToken) return undefined;
      throw err;
    });
    if (!data) return (await this.read()).tokens!.accessToken;
    const next: StoredTokens = {
      accessToken: data.access, refreshToken: data.refresh, seed: tokens.seed,
      expiresAt: Date.now() + (Number.isFinite(data.expiresIn) && data.expiresIn > 0 ? data.expiresIn : 90_000) * 1000,
      updatedAt: Date.now(),
    };
    // The old refresh token is now dead: the new pair must be stored before anything uses it.
    if (!(await storage.compareAndSetSetting(ZALO_TOKENS_KEY, raw, JSON.stringify(next)))) {
      log.error({ channel: 'zalo' }, 'zalo tokens changed during refresh; keeping the stored pair');
      const again = await this.read();
      if (!again.tokens) throw new SendError('zalo_tokens_lost', false);
      return again.tokens.accessToken;
    }
    log.info({ channel: 'zalo', expiresAt: new Date(next.expiresAt!).toISOString() }, 'zalo access token refreshed');
    return next.accessToken;
  }

  private callRefresh(refreshToken: string): Promise<{ access: string; refresh: string; expiresIn: number }> {
    const { outbound, http } = this.deps;
    return outbound.call('oauth/access_token', async (signal) => {
      const res = await http.post(`${this.cfg.oauthUrl}/v4/oa/access_token`,
        new URLSearchParams({ refresh_token: refreshToken, app_id: this.cfg.appId, grant_type: 'refresh_token' }).toString(),
        { headers: { secret_key: this.cfg.appSecret!, 'content-type': 'application/x-www-form-urlencoded' }, signal });
      if (res.status === 429 || res.status >= 500) throw new SendError(res.status, true, parseRetryAfter(res.headers['retry-after'], outbound.options.retryAfterUnitMs));
      const d = res.data as { access_token?: unknown; refresh_token?: unknown; expires_in?: unknown; error?: unknown } | undefined;
      if (res.status >= 400 || typeof d?.access_token !== 'string' || typeof d.refresh_token !== 'string') {
        throw new SendError(`oauth:${typeof d?.error === 'number' ? d.error : res.status}`, false);
      }
      return { access: d.access_token, refresh: d.refresh_token, expiresIn: Number(d.expires_in) };
    });
  }
}

interface ZaloEvent {
  event_name?: unknown;
  timestamp?: unknown;
  sender?: { id?: unknown };
  follower?: { id?: unknown };
  message?: { msg_id?: unknown; text?: unknown };
}

/** Zalo Official Account via the OA Open API v3. */
export function createZaloChannel(deps: PlatformDeps, options: PlatformChannelOptions = {}): Channel | undefined {
  const { config, engine, storage, log } = deps;
  const appId = config.ZALO_APP_ID;
  const oaSecret = config.ZALO_OA_SECRET_KEY;
  if (!appId || !oaSecret || !config.ZALO_ACCESS_TOKEN) {
    const missing = [!appId && 'ZALO_APP_ID', !oaSecret && 'ZALO_OA_SECRET_KEY', !config.ZALO_ACCESS_TOKEN && 'ZALO_ACCESS_TOKEN'].filter(Boolean);
    log.info({ channel: 'zalo', missing }, 'channel off: credentials not set');
    return undefined;
  }
  const outbound = new Outbound('zalo', storage, log, { ratePerSecond: 20, burst: 20, drainTimeoutMs: config.SHUTDOWN_TIMEOUT_MS, ...options.outbound });
  const http = axios.create({ timeout: outbound.options.timeoutMs, validateStatus: () => true });
  const tokens = new ZaloTokens({ storage, log, outbound, http }, {
    appId, appSecret: config.ZALO_APP_SECRET, oauthUrl: config.ZALO_OAUTH_URL,
    envAccess: config.ZALO_ACCESS_TOKEN, envRefresh: config.ZALO_REFRESH_TOKEN,
  });
  const memory = new ButtonMemory();
  const limit = options.textLimit?.zalo ?? ZALO_TEXT_LIMIT;
  const refreshCheckMs = options.zalo?.refreshCheckMs ?? 5 * 60_000;
  const refreshBeforeMs = options.zalo?.refreshBeforeMs ?? 60 * 60_000;
  let timer: NodeJS.Timeout | undefined;

  async function send(userId: string, message: ZaloPart): Promise<void> {
    let refreshed = false; // refresh once and retry once per message, never in a loop
    await outbound.call('oa/message/cs', async (signal) => {
      let token = await tokens.accessToken();
      for (;;) {
        if (!token) throw new SendError('zalo_no_access_token', false);
        const res = await http.post(`${config.ZALO_API_URL}/v3.0/oa/message/cs`,
          { recipient: { user_id: userId }, message },
          { headers: { access_token: token, 'content-type': 'application/json' }, signal });
        if (res.status === 429 || res.status >= 500) throw new SendError(res.status, true, parseRetryAfter(res.headers['retry-after'], outbound.options.retryAfterUnitMs));
        if (res.status >= 400) throw new SendError(res.status, false);
        const code = Number((res.data as { error?: unknown } | undefined)?.error ?? 0);
        if (code === 0) return;
        if (TOKEN_REJECTED.has(code) && !refreshed && tokens.canRefresh()) {
          refreshed = true;
          try {
            token = await tokens.refresh(token);
          } catch (e) {
            throw new SendError(`zalo_refresh_failed:${e instanceof SendError ? e.code : 'error'}`, false);
          }
          continue;
        }
        throw new SendError(code, code === RATE_LIMITED);
      }
    });
  }

  async function deliver(userId: string, replies: Reply[]): Promise<void> {
    let numbered: Button[] | undefined;
    const queries: [string, string][] = [];
    for (const reply of replies) {
      const rendered = renderZalo(reply, limit);
      numbered = rendered.numbered;
      queries.push(...(rendered.queries ?? []));
      for (const part of rendered.parts) await send(userId, part);
    }
    memory.offer(userId, { numbered, queries });
  }

  /** The job for an event (fresh or replayed from the inbox); undefined for echoes, unfollows, receipts... */
  function toJob(ev: ZaloEvent): TurnJob | undefined {
    const name = typeof ev.event_name === 'string' ? ev.event_name : '';
    const ts = typeof ev.timestamp === 'string' || typeof ev.timestamp === 'number' ? String(ev.timestamp) : '';
    const deliverTo = (userId: string) => (replies: Reply[]) => deliver(userId, replies);
    if (name === 'follow') {
      const userId = typeof ev.follower?.id === 'string' ? ev.follower.id : undefined;
      if (!userId) return undefined;
      // A new follower gets the greeting, as if they had pressed "Bắt đầu".
      return { userId, messageId: `follow:${userId}:${ts}`, inbound: () => ({ payload: 'START' }), deliver: deliverTo(userId) };
    }
    if (!name.startsWith('user_send_')) return undefined; // unfollow, oa_send_* echoes, receipts, seen, submit_info...
    const userId = typeof ev.sender?.id === 'string' ? ev.sender.id : undefined;
    const msgId = typeof ev.message?.msg_id === 'string' ? ev.message.msg_id : undefined;
    if (!userId || !msgId) return undefined;
    if (name === 'user_send_text') {
      const text = typeof ev.message?.text === 'string' ? ev.message.text : '';
      return {
        userId, messageId: msgId,
        inbound: () => {
          const payload = memory.resolve(userId, text);
          return payload ? { payload } : { text };
        },
        deliver: deliverTo(userId),
      };
    }
    return { userId, messageId: msgId, inbound: () => ({ unsupported: true }), deliver: deliverTo(userId) };
  }

  const inbox = new Inbox<ZaloEvent>({ outbound, storage, engine, log }, toJob, { leaseMs: config.INBOX_LEASE_MS, sweepMs: config.INBOX_SWEEP_MS });

  const router = express.Router();
  router.post('/webhooks/zalo', express.raw({ type: () => true, limit: config.BODY_LIMIT_BYTES }), async (req, res) => {
    const header = req.get('x-zevent-signature');
    if (!header) return sendError(res, 401, 'unauthorized', 'Missing X-ZEvent-Signature');
    const body = parseJsonBody(req.body);
    if (!body) return sendError(res, 400, 'malformed_json', 'Request body is not valid JSON');
    const ts = typeof body.timestamp === 'string' || typeof body.timestamp === 'number' ? String(body.timestamp) : '';
    // Plain SHA-256 of app_id + raw body + timestamp + OA secret key (Zalo's scheme, not an HMAC).
    const mac = crypto.createHash('sha256').update(appId).update(rawBuffer(req.body)).update(ts).update(oaSecret).digest('hex');
    const got = header.trim().replace(/^mac=/i, '').toLowerCase();
    if (!safeEqual(got, mac)) return sendError(res, 403, 'forbidden', 'Bad signature');
    try {
      // Acknowledged only once stored: a crash after the 200 loses nothing.
      await inbox.accept(body as ZaloEvent);
    } catch (err) {
      log.error({ channel: 'zalo', err: describe(err) }, 'could not store an event; Zalo will redeliver it');
      return sendError(res, 500, 'storage_unavailable', 'Could not store the event');
    }
    res.sendStatus(200);
  });

  async function checkExpiry(): Promise<void> {
    if (!tokens.canRefresh()) return;
    const at = await tokens.expiresAt();
    if (at !== undefined && at - Date.now() < refreshBeforeMs) await tokens.refresh();
  }

  return {
    name: 'zalo',
    router,
    async start() {
      await tokens.init();
      if (!config.ZALO_APP_SECRET || !config.ZALO_REFRESH_TOKEN) log.warn({ channel: 'zalo' }, 'ZALO_APP_SECRET or ZALO_REFRESH_TOKEN not set: the access token will not be refreshed');
      const tick = () => void checkExpiry().catch((err: unknown) => log.error({ channel: 'zalo', err: describe(err) }, 'zalo token refresh failed'));
      timer = setInterval(tick, refreshCheckMs);
      timer.unref();
      tick();
      await inbox.start();
      log.info({ channel: 'zalo' }, 'channel on');
    },
    async stop() {
      if (timer) clearInterval(timer);
      await inbox.stop();
      await tokens.idle();
    },
  };
}
