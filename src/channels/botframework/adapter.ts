import type { Activity, CloudAdapter } from 'botbuilder';
import type { BotFrameworkAuthentication, ServiceClientCredentialsFactory } from 'botframework-connector';
import type { Logger } from '../../log.js';
import { describe, SendError } from '../kit/errors.js';
import type { Reply } from '../../core/messages.js';
import type { PlatformAdapter, Refusal, Rendered, WebhookRequest, WebhookSpec } from '../kit/types.js';
import { ClientSecretCredentialsFactory, TokenRequestError } from './credentials.js';
import { parseBotFramework } from './parse.js';
import { BOTFRAMEWORK_TEXT_LIMIT, renderBotFramework, type BfPart } from './render.js';

/**
 * Microsoft Bot Framework (Azure Bot: Teams, Web Chat, Direct Line) at POST /api/messages.
 *
 * Every request must carry a JWT that the Bot Framework channel service signed: botbuilder checks it against
 * the keys of the OpenID metadata (BOTFRAMEWORK_OPENID_METADATA_URL), its issuer, its audience
 * (MICROSOFT_APP_ID), its expiry, the key's endorsement of the channel, and that its `serviceurl` claim is the
 * activity's serviceUrl (where the replies go). Anything else gets 401 and changes nothing.
 */

export interface BotFrameworkOptions {
  appId: string;
  password?: string;
  tenantId?: string;
  appType: 'MultiTenant' | 'SingleTenant' | 'UserAssignedMSI';
  openIdMetadataUrl: string;
  loginUrl: string;
  textLimit?: number;
  timeoutMs?: number;
  log: Logger;
}

/** Issuer of the tokens the Bot Framework channel service signs (public Azure). */
export const CHANNEL_TOKEN_ISSUER = 'https://api.botframework.com';
/** Audience of the bot's own token for calls to the Bot Connector (public Azure). */
const TO_CHANNEL_OAUTH_SCOPE = 'https://api.botframework.com';
/** The tenant of multi-tenant bots' outbound tokens. */
const MULTI_TENANT_LOGIN_TENANT = 'botframework.com';

interface Runtime {
  auth: BotFrameworkAuthentication;
  adapter: CloudAdapter;
  heroCard: (typeof import('botbuilder'))['CardFactory']['heroCard'];
  conversationReference: (typeof import('botbuilder'))['TurnContext']['getConversationReference'];
}

/** The unverified claims of a bearer JWT, to turn away tokens that no Bot Framework channel issued before any work. */
export function bearerClaims(header: string | undefined): Record<string, unknown> | undefined {
  const m = header?.match(/^Bearer ([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]*)$/);
  if (!m) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(m[2]!, 'base64url').toString('utf8'));
    return claims && typeof claims === 'object' ? (claims as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export function classifyBotFramework(e: unknown): SendError {
  if (e instanceof SendError) return e;
  if (e instanceof TokenRequestError) return new SendError(`token_${e.status}`, false);
  const x = e as { statusCode?: unknown; code?: unknown; name?: unknown };
  const code = typeof x?.statusCode === 'number' ? x.statusCode : typeof x?.code === 'string' ? x.code : typeof x?.name === 'string' ? x.name : 'network_error';
  // The connector client already retried 429, 5xx and network errors (honouring Retry-After): no second round here.
  return new SendError(code, false);
}

/** `p`, or a SendError once `signal` fires (timeout or shutdown); the call itself cannot be cancelled. */
async function unlessAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  let onAbort = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(new SendError(signal.reason instanceof DOMException && signal.reason.name === 'TimeoutError' ? 'timeout' : 'aborted', false));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  // Whichever loses the race must not become an unhandled rejection.
  aborted.catch(() => undefined);
  p.catch(() => undefined);
  try {
    return await Promise.race([p, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

// botbuilder and its dependencies take ~60 MB and a quarter second to load: only when the channel is on.
async function load(o: BotFrameworkOptions): Promise<Runtime> {
  const [bb, connector] = await Promise.all([import('botbuilder'), import('botframework-connector')]);
  const credentials: ServiceClientCredentialsFactory = o.appType === 'UserAssignedMSI'
    ? new connector.ManagedIdentityServiceClientCredentialsFactory(o.appId, new connector.JwtTokenProviderFactory())
    : new ClientSecretCredentialsFactory(o.appId, o.password!, o.timeoutMs ?? 10_000);
  const loginTenant = o.appType === 'MultiTenant' ? MULTI_TENANT_LOGIN_TENANT : o.tenantId!;
  // Every endpoint is given explicitly: botbuilder then uses exactly these (its "parameterized" mode).
  const auth = new bb.ConfigurationBotFrameworkAuthentication({
    MicrosoftAppId: o.appId,
    MicrosoftAppTenantId: o.tenantId ?? '',
    ToBotFromChannelOpenIdMetadataUrl: o.openIdMetadataUrl,
    ToBotFromChannelTokenIssuer: CHANNEL_TOKEN_ISSUER,
    ToBotFromEmulatorOpenIdMetadataUrl: connector.AuthenticationConstants.ToBotFromEmulatorOpenIdMetadataUrl,
    ToChannelFromBotLoginUrl: `${o.loginUrl}/${loginTenant}`,
    ToChannelFromBotOAuthScope: TO_CHANNEL_OAUTH_SCOPE,
    OAuthUrl: connector.AuthenticationConstants.OAuthUrl,
    CallerId: bb.CallerIdConstants.PublicAzureChannel,
    ValidateAuthority: true,
  }, credentials);
  // No onTurnError: an error in a reply turn propagates to the inbox, which knows what to do with it.
  return {
    auth, adapter: new bb.CloudAdapter(auth),
    heroCard: bb.CardFactory.heroCard.bind(bb.CardFactory),
    conversationReference: bb.TurnContext.getConversationReference.bind(bb.TurnContext),
  };
}

export class BotFrameworkAdapter implements PlatformAdapter<Activity, BfPart> {
  readonly name = 'botframework' as const;
  readonly rate = { perSecond: 30, burst: 30 };
  readonly sendMethod = 'sendActivity';
  readonly parse = parseBotFramework;
  readonly classify = classifyBotFramework;
  readonly webhook: WebhookSpec<Activity> = { path: '/api/messages', verify: (req) => this.verify(req), events: (body) => [body as unknown as Activity] };
  private runtime?: Runtime;

  constructor(private o: BotFrameworkOptions) {}

  render(reply: Reply): Rendered<BfPart> {
    return renderBotFramework(reply, this.o.textLimit ?? BOTFRAMEWORK_TEXT_LIMIT);
  }

  /** What a later message needs of the person's activity: its conversation reference, without their words or name. */
  storedAddress(address: unknown): unknown {
    const a = address as Partial<Activity>;
    return {
      type: 'message', channelId: a.channelId, serviceUrl: a.serviceUrl, locale: a.locale,
      conversation: a.conversation && { id: a.conversation.id, conversationType: a.conversation.conversationType, tenantId: a.conversation.tenantId },
      from: a.from && { id: a.from.id }, recipient: a.recipient && { id: a.recipient.id },
    };
  }

  /**
   * Sends to the conversation of the person's activity (its serviceUrl, as a reply to it) in a turn of its own,
   * so a message replayed from the inbox after a restart is answered the same way as a fresh one.
   */
  async send(to: unknown, part: BfPart, signal: AbortSignal): Promise<void> {
    const rt = this.runtime;
    if (!rt) throw new SendError('aborted_at_shutdown', false);
    const activity = to as Activity;
    let failure: unknown;
    await rt.adapter.continueConversationAsync(this.o.appId, rt.conversationReference(activity), async (context) => {
      // As a reply to the person's activity (as within its own turn), not to the continuation's made-up id.
      (context.activity as { id?: string }).id = typeof activity.id === 'string' && activity.id ? activity.id : undefined;
      // Plain text: nothing a user typed (echoed in "no information about ...") turns into markdown or links.
      await unlessAborted(context.sendActivity({
        type: 'message', text: part.text, textFormat: 'plain',
        ...(part.actions ? { attachments: [rt.heroCard('', undefined, part.actions)] } : {}),
      }), signal).catch((e: unknown) => { failure = e; });
    });
    if (failure) throw failure;
  }

  async start(): Promise<void> {
    this.runtime = await load(this.o);
    this.o.log.info({ channel: 'botframework', appType: this.o.appType }, 'botframework runtime loaded');
  }

  private async verify(req: WebhookRequest): Promise<Refusal | undefined> {
    if (!this.runtime) return { status: 503, code: 'starting', message: 'Not ready yet', retryAfterSeconds: 1 };
    // Only tokens issued by the Bot Framework channel service go further (no Emulator or skill tokens).
    const authorization = req.header('authorization');
    const claims = bearerClaims(authorization);
    if (claims?.iss !== CHANNEL_TOKEN_ISSUER) {
      this.o.log.warn({ channel: 'botframework', reason: authorization ? 'not a channel token' : 'no token' }, 'botframework request refused');
      return { status: 401, code: 'unauthorized', message: 'Missing or invalid token' };
    }
    // botbuilder checks `exp` only when present: a signed token without one would be good forever.
    if (typeof claims.exp !== 'number' || !Number.isFinite(claims.exp)) {
      this.o.log.warn({ channel: 'botframework', reason: 'token without expiry' }, 'botframework request refused');
      return { status: 401, code: 'unauthorized', message: 'Token without expiry' };
    }
    const a = req.body as Partial<Activity> | undefined;
    if (!a || typeof a.type !== 'string' || typeof a.serviceUrl !== 'string' || !a.serviceUrl) {
      return { status: 400, code: 'bad_request', message: 'Not a Bot Framework activity' };
    }
    try {
      // The check CloudAdapter.process makes, but every refusal is a 401 (process() answers 500 for a bad signature).
      await this.runtime.auth.authenticateRequest(a as Activity, authorization ?? '');
      return undefined;
    } catch (err) {
      return this.refusal(err);
    }
  }

  /** Refused all the same when the signing keys could not be fetched, but as 503 so the channel tries again. */
  private refusal(err: unknown): Refusal {
    const status = (err as { statusCode?: unknown })?.statusCode;
    if ((typeof status === 'number' && status >= 500) || (err as { name?: unknown })?.name === 'FetchError') {
      this.o.log.error({ channel: 'botframework', err: describe(err) }, 'could not check a botframework token: signing keys unavailable');
      return { status: 503, code: 'keys_unavailable', message: 'Cannot verify the token now', retryAfterSeconds: 5 };
    }
    this.o.log.warn({ channel: 'botframework', reason: describe(err) }, 'botframework request refused');
    return { status: 401, code: 'unauthorized', message: 'Token refused' };
  }
}
