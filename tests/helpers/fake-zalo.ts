import crypto from 'node:crypto';
import { FakeServer, type FakeRequest, type FakeResponse } from './fake-server.js';

export const ZALO_APP_ID = '1234567890123456789';
export const ZALO_APP_SECRET = 'zalo-app-secret-xyz';
export const ZALO_OA_SECRET = 'zalo-oa-secret-key-abc';
export const ZALO_OA_ID = '9876543210987654321';

export interface ZaloSent {
  /** The access_token header the message was sent with. */
  token: string;
  recipient: { user_id: string };
  message: { text: string; attachment?: { type: string; payload: { buttons: { title: string; type: string; payload: string }[] } } };
}

/**
 * Zalo OA API + OAuth fake. Access tokens are valid only while in `validAccess`; refresh tokens are
 * single-use: a reused one is rejected like the real OAuth server does.
 */
export class FakeZalo {
  readonly server: FakeServer;
  readonly sent: ZaloSent[] = [];
  readonly validAccess = new Set<string>();
  readonly validRefresh = new Set<string>();
  readonly usedRefresh: string[] = [];
  readonly refreshRejected: string[] = [];
  private issued = 0;
  /** Runs before a refresh is answered (a test stands in for another instance here). */
  beforeRefresh?: () => Promise<void>;

  constructor() {
    this.server = new FakeServer(async (r) => {
      if (r.path === '/v4/oa/access_token') await this.beforeRefresh?.();
      return this.handle(r);
    });
  }

  static async start(): Promise<FakeZalo> {
    const f = new FakeZalo();
    await f.server.listen();
    return f;
  }

  get url(): string {
    return this.server.url;
  }

  get sendCalls(): FakeRequest[] {
    return this.server.requests.filter((r) => r.path === '/v3.0/oa/message/cs');
  }

  get refreshCalls(): FakeRequest[] {
    return this.server.requests.filter((r) => r.path === '/v4/oa/access_token');
  }

  /** Every later message to this user gets Zalo's error `code` (-213 not a follower, -230 no interaction in 7 days...). */
  failFor(userId: string, code: number, message = 'error'): void {
    this.server.fail((r) => r.path === '/v3.0/oa/message/cs' && (r.body.recipient as { user_id?: string } | undefined)?.user_id === userId,
      { json: { error: code, message } }, Number.POSITIVE_INFINITY);
  }

  /** Texts accepted for one user, in order. */
  textsTo(userId: string): string[] {
    return this.sent.filter((s) => s.recipient.user_id === userId).map((s) => s.message.text);
  }

  fail(response: FakeResponse, times = 1): void {
    this.server.fail((r) => r.path === '/v3.0/oa/message/cs', response, times);
  }

  reset(access: string[], refresh: string[]): void {
    this.validAccess.clear();
    this.validRefresh.clear();
    for (const a of access) this.validAccess.add(a);
    for (const r of refresh) this.validRefresh.add(r);
    this.sent.length = 0;
    this.issued = 0;
    this.beforeRefresh = undefined;
    this.usedRefresh.length = 0;
    this.refreshRejected.length = 0;
    this.server.requests.length = 0;
    this.server.clearFailures();
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private handle(r: FakeRequest): FakeResponse {
    if (r.method === 'POST' && r.path === '/v3.0/oa/message/cs') {
      const token = String(r.headers['access_token'] ?? '');
      if (!this.validAccess.has(token)) return { json: { error: -216, message: 'Access token is invalid' } };
      const b = r.body as unknown as Omit<ZaloSent, 'token'>;
      const text = b.message?.text ?? '';
      const buttons = b.message?.attachment?.payload?.buttons ?? [];
      if (!b.recipient?.user_id || !text || text.length > 2000 || buttons.length > 5) return { json: { error: -201, message: 'Parameter is invalid' } };
      this.sent.push({ token, ...b });
      return { json: { error: 0, message: 'Success', data: { message_id: crypto.randomUUID().replace(/-/g, ''), user_id: b.recipient.user_id } } };
    }
    if (r.method === 'POST' && r.path === '/v4/oa/access_token') {
      const f = r.body as Record<string, string>;
      if (r.headers['secret_key'] !== ZALO_APP_SECRET || f.app_id !== ZALO_APP_ID || f.grant_type !== 'refresh_token') {
        return { json: { error: -14002, error_name: 'Invalid app', error_reason: 'app_id or secret_key is wrong' } };
      }
      if (!this.validRefresh.has(f.refresh_token!)) {
        this.refreshRejected.push(f.refresh_token!);
        return { json: { error: -14014, error_name: 'Invalid refresh token', error_reason: 'Refresh token is invalid or used' } };
      }
      this.validRefresh.delete(f.refresh_token!);
      this.usedRefresh.push(f.refresh_token!);
      const n = ++this.issued;
      const access = `at-new-${n}`;
      const refresh = `rt-new-${n}`;
      this.validAccess.add(access);
      this.validRefresh.add(refresh);
      return { json: { access_token: access, refresh_token: refresh, expires_in: '90000' } };
    }
    if (r.method === 'GET' && r.path === '/v3.0/oa/user/detail') {
      return { json: { error: 0, message: 'Success', data: { user_id: '2468013579246801357', display_name: 'An' } } };
    }
    return { status: 404, json: { error: 404, message: 'Not found' } };
  }
}

/** X-ZEvent-Signature for a raw body: sha256(app_id + body + timestamp + OA secret key). */
export function zaloSign(raw: string, timestamp: string, secret = ZALO_OA_SECRET, appId = ZALO_APP_ID): string {
  return `mac=${crypto.createHash('sha256').update(appId + raw + timestamp + secret).digest('hex')}`;
}

let nextMsg = 1;
const now = () => String(Date.now());

export function zaloText(text: string, userId = '2468013579246801357', msgId = `a1b2c3d4e5f6${String(nextMsg++).padStart(8, '0')}`): Record<string, unknown> {
  return {
    app_id: ZALO_APP_ID, user_id_by_app: '5550001112223334445', event_name: 'user_send_text', timestamp: now(),
    sender: { id: userId }, recipient: { id: ZALO_OA_ID }, message: { msg_id: msgId, text },
  };
}

export function zaloFollow(userId = '2468013579246801357', event: 'follow' | 'unfollow' = 'follow'): Record<string, unknown> {
  return { app_id: ZALO_APP_ID, oa_id: ZALO_OA_ID, user_id_by_app: '5550001112223334445', event_name: event, source: 'oa_profile', follower: { id: userId }, timestamp: now() };
}

export function zaloImage(userId = '2468013579246801357', url = 'https://example.invalid/i.jpg', event = 'user_send_image'): Record<string, unknown> {
  return {
    app_id: ZALO_APP_ID, user_id_by_app: '5550001112223334445', event_name: event, timestamp: now(),
    sender: { id: userId }, recipient: { id: ZALO_OA_ID },
    message: { msg_id: `f0e1d2c3b4a5${String(nextMsg++).padStart(8, '0')}`, text: '', attachments: [{ type: event === 'user_send_sticker' ? 'sticker' : 'image', payload: { thumbnail: url, url } }] },
  };
}

export function zaloEcho(userId = '2468013579246801357'): Record<string, unknown> {
  return {
    app_id: ZALO_APP_ID, event_name: 'oa_send_text', timestamp: now(), sender: { id: ZALO_OA_ID }, recipient: { id: userId },
    message: { msg_id: `e0e0${String(nextMsg++).padStart(8, '0')}`, text: 'Xin chào!' },
  };
}
