import crypto from 'node:crypto';
import { FakeServer, type FakeRequest, type FakeResponse } from './fake-server.js';

export const BF_APP_ID = '5c3e8d7a-1b2f-4e6a-9d0c-7f1e2a3b4c5d';
export const BF_APP_PASSWORD = 'test~bot~password-0123456789';
export const BF_TENANT_ID = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
/** The issuer of tokens from the Bot Framework channel service (public Azure). */
export const BF_ISSUER = 'https://api.botframework.com';

export interface BfCardAction { type: string; title: string; text?: string; displayText?: string; value?: unknown }
export interface BfOutActivity {
  type: string;
  text?: string;
  textFormat?: string;
  replyToId?: string;
  conversation?: { id: string };
  recipient?: { id: string };
  attachments?: { contentType: string; content: { title?: string; text?: string; buttons?: BfCardAction[] } }[];
}
export interface BfSent {
  conversationId: string;
  /** The activity answered (POST .../activities/:activityId), if any. */
  replyTo?: string;
  activity: BfOutActivity;
}

export interface SignOptions {
  /** Signs with another key (a forgery) while naming the published key id. */
  key?: crypto.KeyObject;
  kid?: string;
  alg?: 'RS256' | 'none';
  claims?: Record<string, unknown>;
}

/**
 * The Bot Framework side, on 127.0.0.1: the channel service's OpenID metadata and signing keys (an RSA key
 * made here; activities are signed with it as the channel service would), the login endpoint that gives
 * the bot its own token (client credentials), and the Bot Connector that records what the bot sends.
 */
export class FakeBotFramework {
  readonly server: FakeServer;
  readonly sent: BfSent[] = [];
  readonly tokenRequests: Record<string, string>[] = [];
  /** Requests to the connector that did not carry a token from our login endpoint. */
  readonly unauthorizedSends: FakeRequest[] = [];
  readonly kid = 'fake-bf-key-1';
  private readonly keys = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  private readonly issued = new Set<string>();
  private nextActivity = 1;

  private constructor() {
    this.server = new FakeServer((r) => this.handle(r));
  }

  static async start(): Promise<FakeBotFramework> {
    const f = new FakeBotFramework();
    await f.server.listen();
    return f;
  }

  get openIdMetadataUrl(): string {
    return `${this.server.url}/v1/.well-known/openidconfiguration`;
  }

  /** BOTFRAMEWORK_LOGIN_URL: the bot asks `<this>/<tenant>/oauth2/v2.0/token`. */
  get loginUrl(): string {
    return this.server.url;
  }

  /** Where replies go; Teams' service URLs end with a slash too. */
  get serviceUrl(): string {
    return `${this.server.url}/teams/`;
  }

  get connectorCalls(): FakeRequest[] {
    return this.server.requests.filter((r) => r.path.includes('/v3/conversations/'));
  }

  /** Every text the bot sent, in order. */
  texts(): string[] {
    return this.sent.map((s) => s.activity.text ?? '');
  }

  close(): Promise<void> {
    return this.server.close();
  }

  reset(): void {
    this.sent.length = 0;
    this.tokenRequests.length = 0;
    this.unauthorizedSends.length = 0;
    this.server.requests.length = 0;
    this.server.clearFailures();
  }

  /** A JWT as the channel service signs it for an activity sent to the bot. */
  sign(opts: SignOptions = {}): string {
    const now = Math.floor(Date.now() / 1000);
    const alg = opts.alg ?? 'RS256';
    const header = { alg, typ: 'JWT', kid: opts.kid ?? this.kid, x5t: opts.kid ?? this.kid };
    const claims = { iss: BF_ISSUER, aud: BF_APP_ID, serviceurl: this.serviceUrl, nbf: now - 60, iat: now - 60, exp: now + 3600, ...opts.claims };
    const input = `${b64(header)}.${b64(claims)}`;
    if (alg === 'none') return `${input}.`;
    const signature = crypto.sign('sha256', Buffer.from(input), opts.key ?? this.keys.privateKey).toString('base64url');
    return `${input}.${signature}`;
  }

  private handle(r: FakeRequest): FakeResponse {
    if (r.method === 'GET' && r.path === '/v1/.well-known/openidconfiguration') {
      return {
        json: {
          issuer: BF_ISSUER,
          authorization_endpoint: `${this.server.url}/v1/auth`,
          jwks_uri: `${this.server.url}/v1/.well-known/keys`,
          id_token_signing_alg_values_supported: ['RS256'],
          token_endpoint_auth_methods_supported: ['private_key_jwt'],
        },
      };
    }
    if (r.method === 'GET' && r.path === '/v1/.well-known/keys') {
      const jwk = this.keys.publicKey.export({ format: 'jwk' }) as { n: string; e: string };
      // Real keys list the channels they may sign for; botbuilder checks the activity's channelId against them.
      return { json: { keys: [{ kty: 'RSA', use: 'sig', kid: this.kid, x5t: this.kid, n: jwk.n, e: jwk.e, endorsements: ['msteams', 'webchat', 'directline'] }] } };
    }
    const login = r.path.match(/^\/([^/]+)\/oauth2\/v2\.0\/token$/);
    if (r.method === 'POST' && login) {
      const form = r.body as Record<string, string>;
      this.tokenRequests.push({ tenant: decodeURIComponent(login[1]!), ...form });
      if (form.grant_type !== 'client_credentials' || form.client_id !== BF_APP_ID || form.client_secret !== BF_APP_PASSWORD) {
        return { status: 401, json: { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' } };
      }
      if (form.scope !== 'https://api.botframework.com/.default') return { status: 400, json: { error: 'invalid_scope' } };
      const token = `bot-token-${crypto.randomUUID()}`;
      this.issued.add(token);
      return { json: { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: token } };
    }
    const connector = r.path.match(/^\/teams\/v3\/conversations\/([^/]+)\/activities(?:\/([^/]+))?$/);
    if (r.method === 'POST' && connector) {
      const auth = String(r.headers.authorization ?? '');
      if (!auth.startsWith('Bearer ') || !this.issued.has(auth.slice(7))) {
        this.unauthorizedSends.push(r);
        return { status: 401, json: { error: { code: 'Unauthorized', message: 'Authorization has been denied for this request.' } } };
      }
      this.sent.push({
        conversationId: decodeURIComponent(connector[1]!),
        replyTo: connector[2] ? decodeURIComponent(connector[2]) : undefined,
        activity: r.body as unknown as BfOutActivity,
      });
      return { status: 201, json: { id: `bot-activity-${this.nextActivity++}` } };
    }
    return { status: 404, json: { error: { code: 'NotFound', message: 'Unknown path' } } };
  }
}

function b64(v: unknown): string {
  return Buffer.from(JSON.stringify(v)).toString('base64url');
}

let nextId = 1;
export interface BfActivityInput {
  /** The person's id on the channel (Teams: 29:...). */
  user?: string;
  conversationId?: string;
  channelId?: string;
  id?: string;
  text?: string;
  value?: unknown;
  attachments?: unknown[];
  conversationType?: 'personal' | 'groupChat' | 'channel';
}

const BOT = { id: `28:${BF_APP_ID}`, name: 'Bình dân học vụ số' };

/** A message activity as Teams delivers it in a personal chat. */
export function bfMessage(fake: FakeBotFramework, m: BfActivityInput): Record<string, unknown> {
  const user = m.user ?? '29:1user-aaaa';
  return {
    type: 'message',
    id: m.id ?? `1720000000${String(nextId++).padStart(3, '0')}`,
    timestamp: new Date().toISOString(),
    serviceUrl: fake.serviceUrl,
    channelId: m.channelId ?? 'msteams',
    from: { id: user, name: 'Người dân', aadObjectId: crypto.randomUUID() },
    conversation: { id: m.conversationId ?? `a:conv-${user}`, conversationType: m.conversationType ?? 'personal', tenantId: BF_TENANT_ID },
    recipient: BOT,
    locale: 'vi-VN',
    ...(m.text !== undefined ? { text: m.text, textFormat: 'plain' } : {}),
    ...(m.value !== undefined ? { value: m.value } : {}),
    ...(m.attachments ? { attachments: m.attachments } : {}),
  };
}

/** conversationUpdate: the person (Web Chat) or only the bot (a Teams personal install) joined. */
export function bfMembersAdded(fake: FakeBotFramework, m: BfActivityInput & { botOnly?: boolean }): Record<string, unknown> {
  const user = m.user ?? '29:1user-aaaa';
  return {
    type: 'conversationUpdate',
    id: m.id ?? `f:update-${nextId++}`,
    timestamp: new Date().toISOString(),
    serviceUrl: fake.serviceUrl,
    channelId: m.channelId ?? 'msteams',
    from: { id: user },
    conversation: { id: m.conversationId ?? `a:conv-${user}`, conversationType: m.conversationType ?? 'personal', tenantId: BF_TENANT_ID },
    recipient: BOT,
    membersAdded: m.botOnly ? [{ id: BOT.id }] : [{ id: BOT.id }, { id: user }],
  };
}

export { BOT as BF_BOT };
