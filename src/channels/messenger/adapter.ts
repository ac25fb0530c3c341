import crypto from 'node:crypto';
import axios, { type AxiosInstance } from 'axios';
import { parseRetryAfter, PlatformHttpError, SendError } from '../kit/errors.js';
import type { Reply } from '../../core/messages.js';
import type { SendKind } from '../../core/outreach.js';
import type { PlatformAdapter, Refusal, Rendered, WebhookRequest, WebhookSpec } from '../kit/types.js';
import { safeEqual } from '../kit/webhook.js';
import { downloadImage } from '../kit/images.js';
import { DAY_MS, type Windows } from '../kit/windows.js';
import { messagingEvents, parseMessenger, type MessagingEvent } from './parse.js';
import { MESSENGER_TEXT_LIMIT, renderMessenger, type MsgPart } from './render.js';

export interface MessengerOptions {
  pageToken: string;
  appSecret: string;
  verifyToken: string;
  /** Includes the Graph API version. */
  graphUrl: string;
  textLimit?: number;
  timeoutMs?: number;
  /** The Page's app has Meta's "Human Agent" permission: staff may reply up to 7 days with the HUMAN_AGENT tag. */
  humanAgent?: boolean;
}

/** Standard messaging window: messages only within 24 h of the person's last message (no other tag is left since 2026). */
export const MESSENGER_WINDOW_MS = DAY_MS;
const HUMAN_AGENT_WINDOW_MS = 7 * DAY_MS;
// Graph API error codes that mean "slow down" or "try again".
const RETRYABLE_GRAPH_CODES = new Set([1, 2, 4, 17, 32, 613, 1200]);
// "This person isn't available right now": blocked the Page, deleted or deactivated the account.
const GONE_CODES = new Set([551]);
const GONE_SUBCODES = new Set([1545041]);
// "This message is sent outside of allowed window": wait for the person's next message.
const WINDOW_SUBCODES = new Set([2018278]);

export function classifyMessenger(e: unknown): SendError {
  if (e instanceof SendError) return e;
  if (!(e instanceof PlatformHttpError)) return new SendError((e as { name?: string })?.name ?? 'network_error', true);
  const err = (e.data as { error?: { code?: number; error_subcode?: number; is_transient?: boolean } } | undefined)?.error;
  const code = err?.code !== undefined ? `${err.code}${err.error_subcode ? `/${err.error_subcode}` : ''}` : e.status;
  const retryable = e.status === 429 || e.status >= 500 || err?.is_transient === true || (err?.code !== undefined && RETRYABLE_GRAPH_CODES.has(err.code));
  const gone = (err?.code !== undefined && GONE_CODES.has(err.code)) || (err?.error_subcode !== undefined && GONE_SUBCODES.has(err.error_subcode));
  const later = err?.error_subcode !== undefined && WINDOW_SUBCODES.has(err.error_subcode);
  return new SendError(code, retryable, retryable ? parseRetryAfter(e.headers['retry-after']) : undefined, gone, later);
}

/** Facebook Messenger through the Graph Send API. */
export class MessengerAdapter implements PlatformAdapter<MessagingEvent, MsgPart> {
  readonly name = 'messenger' as const;
  readonly rate = { perSecond: 250, burst: 50 };
  readonly sendMethod = 'me/messages';
  readonly windows: Windows;
  readonly parse = parseMessenger;
  readonly classify = classifyMessenger;
  readonly webhook: WebhookSpec<MessagingEvent>;
  private readonly http: AxiosInstance;

  constructor(private o: MessengerOptions) {
    this.http = axios.create({ timeout: o.timeoutMs ?? 10_000, validateStatus: () => true });
    this.windows = { automated: MESSENGER_WINDOW_MS, human: o.humanAgent ? HUMAN_AGENT_WINDOW_MS : MESSENGER_WINDOW_MS, humanTag: !!o.humanAgent };
    this.webhook = {
      path: '/webhooks/messenger',
      get: (q) => this.subscriptionCheck(q),
      verify: (req) => this.verify(req),
      events: messagingEvents,
    };
  }

  render(reply: Reply): Rendered<MsgPart> {
    return renderMessenger(reply, this.o.textLimit ?? MESSENGER_TEXT_LIMIT);
  }

  /** RESPONSE answers a message, UPDATE is proactive inside the 24 h window, HUMAN_AGENT a staff reply up to 7 days. */
  async send(to: unknown, message: MsgPart, signal: AbortSignal, kind: SendKind = 'response'): Promise<void> {
    const type = kind === 'human_agent' ? { messaging_type: 'MESSAGE_TAG', tag: 'HUMAN_AGENT' } : { messaging_type: kind === 'update' ? 'UPDATE' : 'RESPONSE' };
    const res = await this.http.post(`${this.o.graphUrl}/me/messages`, { recipient: { id: String(to) }, ...type, message },
      { params: { access_token: this.o.pageToken }, signal });
    if (res.status < 200 || res.status >= 300) throw new PlatformHttpError(res.status, res.data, res.headers);
  }

  /** An image attachment from its URL (Meta's CDN; the webhook that named it was signed). */
  fetchImage(ref: unknown, maxBytes: number, signal: AbortSignal): Promise<Uint8Array> {
    return downloadImage((ref as { url: string }).url, maxBytes, signal);
  }

  private subscriptionCheck(q: Record<string, unknown>): { status: number; text: string } {
    const token = q['hub.verify_token'];
    const challenge = q['hub.challenge'];
    const ok = q['hub.mode'] === 'subscribe' && typeof token === 'string' && safeEqual(token, this.o.verifyToken) && typeof challenge === 'string';
    return ok ? { status: 200, text: challenge } : { status: 403, text: 'Verification failed' };
  }

  private verify(req: WebhookRequest): Refusal | undefined {
    const sig = req.header('x-hub-signature-256');
    if (!sig) return { status: 401, code: 'unauthorized', message: 'Missing X-Hub-Signature-256' };
    const expected = `sha256=${crypto.createHmac('sha256', this.o.appSecret).update(req.raw).digest('hex')}`;
    if (!safeEqual(sig.trim().toLowerCase(), expected)) return { status: 403, code: 'forbidden', message: 'Bad signature' };
    return undefined;
  }
}
