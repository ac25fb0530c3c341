import crypto from 'node:crypto';
import { FakeServer, type FakeRequest, type FakeResponse } from './fake-server.js';

export const FB_PAGE_TOKEN = 'EAAB-test-page-token';
export const FB_APP_SECRET = 'test-app-secret-0123456789';
export const FB_VERIFY_TOKEN = 'verify-me-please';
export const FB_PAGE_ID = '100200300400500';

export interface FbSent {
  recipient: { id: string };
  messaging_type: string;
  tag?: string;
  message: { text: string; quick_replies?: { content_type: string; title: string; payload: string }[] };
}

/** A Graph API fake: POST {graph}/me/messages and /me/messenger_profile with ?access_token=. */
export class FakeMessenger {
  readonly server: FakeServer;
  readonly sent: FbSent[] = [];
  readonly profile: Record<string, unknown>[] = [];

  constructor() {
    this.server = new FakeServer((r) => this.handle(r));
  }

  static async start(): Promise<FakeMessenger> {
    const f = new FakeMessenger();
    await f.server.listen();
    return f;
  }

  /** The base including the API version, as MESSENGER_GRAPH_URL holds it. */
  get graphUrl(): string {
    return `${this.server.url}/v25.0`;
  }

  get messageCalls(): FakeRequest[] {
    return this.server.requests.filter((r) => r.path.endsWith('/me/messages'));
  }

  /** Every later message to this person fails with the Graph error `code` (551: the person is not available). */
  failFor(psid: string, code: number, subcode?: number, status = 400): void {
    this.server.fail((r) => r.path.endsWith('/me/messages') && (r.body.recipient as { id?: string } | undefined)?.id === psid,
      graphError(status, code, 'This person isn\'t available right now.', subcode), Number.POSITIVE_INFINITY);
  }

  /** Texts accepted for one person, in order. */
  textsTo(psid: string): string[] {
    return this.sent.filter((s) => s.recipient.id === psid).map((s) => s.message.text);
  }

  fail(response: FakeResponse, times = 1): void {
    this.server.fail((r) => r.path.endsWith('/me/messages'), response, times);
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private handle(r: FakeRequest): FakeResponse {
    if (r.method !== 'POST') return graphError(400, 100, 'Unsupported method');
    if (r.query.get('access_token') !== FB_PAGE_TOKEN) return graphError(400, 190, 'Invalid OAuth access token');
    if (r.path.endsWith('/me/messenger_profile')) {
      this.profile.push(r.body);
      return { json: { result: 'success' } };
    }
    if (!r.path.endsWith('/me/messages')) return graphError(404, 803, 'Unknown path');
    const b = r.body as unknown as FbSent;
    const text = b.message?.text ?? '';
    if (!b.recipient?.id || !text || text.length > 2000) return graphError(400, 100, 'Invalid parameter');
    const qr = b.message.quick_replies ?? [];
    if (qr.length > 13 || qr.some((q) => [...q.title].length > 20 || !q.payload)) return graphError(400, 100, 'Invalid quick replies');
    this.sent.push(b);
    return { json: { recipient_id: b.recipient.id, message_id: `m_${crypto.randomUUID()}` } };
  }
}

function graphError(status: number, code: number, message: string, subcode?: number): FakeResponse {
  return { status, json: { error: { message, type: 'OAuthException', code, ...(subcode ? { error_subcode: subcode } : {}), fbtrace_id: 'AbCdEf' } } };
}

export function fbSign(raw: string, secret = FB_APP_SECRET): string {
  return `sha256=${crypto.createHmac('sha256', secret).update(raw).digest('hex')}`;
}

let nextMid = 1;
export interface FbEventInput {
  psid?: string;
  text?: string;
  quickReply?: string;
  postback?: string;
  mid?: string;
  timestamp?: number;
  echo?: boolean;
  /** `message.attachments`, e.g. [{ type: 'image', payload: { url } }]. */
  attachments?: unknown[];
}

export function fbEvent(e: FbEventInput): Record<string, unknown> {
  const psid = e.psid ?? '7000000000000001';
  const timestamp = e.timestamp ?? Date.now();
  const mid = e.mid ?? `m_TESTMID_${String(nextMid++).padStart(4, '0')}`;
  const base = { sender: { id: e.echo ? FB_PAGE_ID : psid }, recipient: { id: e.echo ? psid : FB_PAGE_ID }, timestamp };
  if (e.postback) return { ...base, postback: { mid, title: 'Bắt đầu', payload: e.postback } };
  return { ...base, message: { mid, text: e.text, ...(e.attachments ? { attachments: e.attachments } : {}), ...(e.quickReply ? { quick_reply: { payload: e.quickReply } } : {}), ...(e.echo ? { is_echo: true, app_id: 1517776481860111 } : {}) } };
}

/** A page webhook body; each argument is one entry's messaging events. */
export function fbBody(...entries: Record<string, unknown>[][]): Record<string, unknown> {
  return { object: 'page', entry: entries.map((messaging) => ({ id: FB_PAGE_ID, time: Date.now(), messaging })) };
}
