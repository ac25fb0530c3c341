import crypto from 'node:crypto';
import axios, { type AxiosResponse } from 'axios';
import express from 'express';
import type { Button, Reply } from '../core/messages.js';
import { sendError } from '../http/errors.js';
import type { Channel } from './channel.js';
import type { PlatformDeps, PlatformChannelOptions } from './index.js';
import { describe, Inbox, Outbound, parseJsonBody, parseRetryAfter, rawBuffer, safeEqual, SendError, type TurnJob } from './outbound.js';
import { ButtonMemory, splitText, truncateTitle, withNumberedButtons } from './render.js';

export const MESSENGER_TEXT_LIMIT = 2000;
const MAX_QUICK_REPLIES = 13;
const QUICK_REPLY_TITLE_MAX = 20;
const QUICK_REPLY_PAYLOAD_MAX = 1000;
/** Standard messaging window: responses only within 24 h of the user's last message. */
const WINDOW_MS = 24 * 60 * 60 * 1000;
// Graph API error codes that mean "slow down" or "try again".
const RETRYABLE_GRAPH_CODES = new Set([1, 2, 4, 17, 32, 613, 1200]);

interface MsgPart { text: string; quick_replies?: { content_type: 'text'; title: string; payload: string }[] }

/** Quick replies (≤ 13, titles ≤ 20 chars) on the last part; a numbered list when they do not fit. */
export function renderMessenger(reply: Reply, limit: number): { parts: MsgPart[]; numbered?: Button[] } {
  const buttons = reply.buttons ?? [];
  const fits = buttons.length <= MAX_QUICK_REPLIES && buttons.every((b) => b.payload.length > 0 && b.payload.length <= QUICK_REPLY_PAYLOAD_MAX);
  const text = buttons.length && !fits ? withNumberedButtons(reply.text, buttons) : reply.text;
  const parts: MsgPart[] = splitText(text, limit).map((t) => ({ text: t }));
  if (buttons.length && fits) {
    parts[parts.length - 1]!.quick_replies = buttons.map((b) => ({ content_type: 'text', title: truncateTitle(b.title, QUICK_REPLY_TITLE_MAX), payload: b.payload }));
  }
  return { parts, numbered: buttons.length && !fits ? buttons : undefined };
}

interface MessagingEvent {
  sender?: { id?: unknown };
  timestamp?: unknown;
  message?: { mid?: unknown; text?: unknown; is_echo?: unknown; quick_reply?: { payload?: unknown }; attachments?: unknown };
  postback?: { mid?: unknown; payload?: unknown };
}

/** Facebook Messenger via the Graph Send API. */
export function createMessengerChannel(deps: PlatformDeps, options: PlatformChannelOptions = {}): Channel | undefined {
  const { config, engine, storage, log } = deps;
  const pageToken = config.MESSENGER_PAGE_ACCESS_TOKEN;
  const appSecret = config.MESSENGER_APP_SECRET;
  const verifyToken = config.MESSENGER_VERIFY_TOKEN;
  if (!pageToken || !appSecret || !verifyToken) {
    const missing = [!pageToken && 'MESSENGER_PAGE_ACCESS_TOKEN', !appSecret && 'MESSENGER_APP_SECRET', !verifyToken && 'MESSENGER_VERIFY_TOKEN'].filter(Boolean);
    log.info({ channel: 'messenger', missing }, 'channel off: credentials not set');
    return undefined;
  }
  const outbound = new Outbound('messenger', storage, log, { ratePerSecond: 250, burst: 50, drainTimeoutMs: config.SHUTDOWN_TIMEOUT_MS, ...options.outbound });
  const memory = new ButtonMemory();
  const limit = options.textLimit?.messenger ?? MESSENGER_TEXT_LIMIT;
  const http = axios.create({ timeout: outbound.options.timeoutMs, validateStatus: () => true });
  // The latest user-message time per user, for the 24 h window (bounded; a restart falls back to the message's own time).
  const lastUserMessage = new Map<string, number>();

  function noteUserMessage(userId: string, at: number): void {
    const t = Math.max(at, lastUserMessage.get(userId) ?? 0);
    lastUserMessage.delete(userId);
    lastUserMessage.set(userId, t);
    if (lastUserMessage.size > 50_000) lastUserMessage.delete(lastUserMessage.keys().next().value!);
  }

  const classify = (res: AxiosResponse): SendError | undefined => {
    if (res.status >= 200 && res.status < 300) return undefined;
    const e = (res.data as { error?: { code?: number; error_subcode?: number; is_transient?: boolean } } | undefined)?.error;
    const code = e?.code !== undefined ? `${e.code}${e.error_subcode ? `/${e.error_subcode}` : ''}` : res.status;
    const retryAfter = parseRetryAfter(res.headers['retry-after'], outbound.options.retryAfterUnitMs);
    const retryable = res.status === 429 || res.status >= 500 || e?.is_transient === true || (e?.code !== undefined && RETRYABLE_GRAPH_CODES.has(e.code));
    return new SendError(code, retryable, retryable ? retryAfter : undefined);
  };

  async function send(userId: string, message: MsgPart): Promise<void> {
    await outbound.call('me/messages', async (signal) => {
      const res = await http.post(`${config.MESSENGER_GRAPH_URL}/me/messages`,
        { recipient: { id: userId }, messaging_type: 'RESPONSE', message },
        { params: { access_token: pageToken }, signal });
      const err = classify(res);
      if (err) throw err;
    });
  }

  async function deliver(userId: string, replies: Reply[]): Promise<void> {
    let numbered: Button[] | undefined;
    for (const reply of replies) {
      const rendered = renderMessenger(reply, limit);
      numbered = rendered.numbered;
      for (const part of rendered.parts) {
        const last = lastUserMessage.get(userId) ?? 0;
        if (Date.now() - last > WINDOW_MS) {
          log.warn({ channel: 'messenger', reason: '24h_window' }, 'response dropped: outside the standard messaging window');
          return;
        }
        await send(userId, part);
      }
    }
    memory.offer(userId, { numbered });
  }

  /** The job for a messaging event (fresh or replayed from the inbox); undefined for echoes, receipts and the like. */
  function toJob(ev: MessagingEvent, receivedAt: Date): TurnJob | undefined {
    const userId = typeof ev.sender?.id === 'string' ? ev.sender.id : undefined;
    if (!userId) return undefined;
    // The platform's time bounds the 24 h window, also for a message replayed after a crash.
    const ts = typeof ev.timestamp === 'number' ? Math.min(ev.timestamp, receivedAt.getTime()) : receivedAt.getTime();
    let messageId: string;
    let build: () => { text?: string; payload?: string; unsupported?: boolean };
    if (ev.message) {
      const m = ev.message;
      if (m.is_echo) return undefined; // our own sends, mirrored back
      if (typeof m.mid !== 'string') return undefined;
      messageId = m.mid;
      const quick = typeof m.quick_reply?.payload === 'string' ? m.quick_reply.payload : undefined;
      const text = typeof m.text === 'string' ? m.text : undefined;
      build = () => {
        const payload = quick ?? memory.resolve(userId, text);
        return payload ? { payload } : text !== undefined ? { text } : { unsupported: true };
      };
    } else if (ev.postback) {
      const payload = typeof ev.postback.payload === 'string' ? ev.postback.payload : undefined;
      if (!payload) return undefined;
      messageId = typeof ev.postback.mid === 'string' ? ev.postback.mid : `postback:${userId}:${ts}`;
      build = () => ({ payload });
    } else {
      return undefined; // delivery, read, reactions, referrals...
    }
    noteUserMessage(userId, ts);
    return { userId, messageId, inbound: build, deliver: (replies) => deliver(userId, replies) };
  }

  const inbox = new Inbox<MessagingEvent>({ outbound, storage, engine, log }, toJob, { leaseMs: config.INBOX_LEASE_MS, sweepMs: config.INBOX_SWEEP_MS });

  const router = express.Router();
  router.get('/webhooks/messenger', (req, res) => {
    const mode = req.query['hub.mode'];
    const token = req.query['hub.verify_token'];
    const challenge = req.query['hub.challenge'];
    if (mode === 'subscribe' && typeof token === 'string' && safeEqual(token, verifyToken) && typeof challenge === 'string') {
      res.status(200).type('text/plain').set('x-content-type-options', 'nosniff').send(challenge);
      return;
    }
    sendError(res, 403, 'forbidden', 'Verification failed');
  });
  router.post('/webhooks/messenger', express.raw({ type: () => true, limit: config.BODY_LIMIT_BYTES }), async (req, res) => {
    const sig = req.get('x-hub-signature-256');
    if (!sig) return sendError(res, 401, 'unauthorized', 'Missing X-Hub-Signature-256');
    const expected = `sha256=${crypto.createHmac('sha256', appSecret).update(rawBuffer(req.body)).digest('hex')}`;
    if (!safeEqual(sig.trim().toLowerCase(), expected)) return sendError(res, 403, 'forbidden', 'Bad signature');
    const body = parseJsonBody(req.body);
    if (!body) return sendError(res, 400, 'malformed_json', 'Request body is not valid JSON');
    const events: MessagingEvent[] = [];
    if (body.object === 'page' && Array.isArray(body.entry)) {
      for (const entry of body.entry as { messaging?: unknown }[]) {
        // `standby` events belong to another app in a handover; only `messaging` is ours.
        if (!entry || !Array.isArray(entry.messaging)) continue;
        for (const ev of entry.messaging as MessagingEvent[]) if (ev && typeof ev === 'object') events.push(ev);
      }
    }
    try {
      // Acknowledged only once every event is stored, in order; after a failure the whole batch comes again
      // and the events already stored are dropped as duplicates.
      for (const ev of events) await inbox.accept(ev);
    } catch (err) {
      log.error({ channel: 'messenger', err: describe(err) }, 'could not store an event; Facebook will redeliver it');
      return sendError(res, 500, 'storage_unavailable', 'Could not store the event');
    }
    res.sendStatus(200);
  });

  return {
    name: 'messenger',
    router,
    async start() {
      await inbox.start();
      log.info({ channel: 'messenger' }, 'channel on');
    },
    async stop() {
      await inbox.stop();
    },
  };
}
