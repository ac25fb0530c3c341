import crypto from 'node:crypto';
import express from 'express';
import type { Activity, CardAction, CloudAdapter, TurnContext } from 'botbuilder';
import type { BotFrameworkAuthentication, ServiceClientCredentialsFactory } from 'botframework-connector';
import type { Button, Reply } from '../core/messages.js';
import { sendError } from '../http/errors.js';
import type { Channel } from './channel.js';
import type { PlatformDeps, PlatformChannelOptions } from './index.js';
import { describe, Inbox, Outbound, SendError, type TurnJob } from './outbound.js';
import { ButtonMemory, splitText, withNumberedButtons } from './render.js';
import { ClientSecretCredentialsFactory, TokenRequestError } from './botframework-credentials.js';

/**
 * Microsoft Bot Framework (Azure Bot: Teams, Web Chat, Direct Line) at POST /api/messages.
 *
 * Every request must carry a JWT that the Bot Framework channel service signed: botbuilder checks it
 * against the keys of the OpenID metadata (BOTFRAMEWORK_OPENID_METADATA_URL), its issuer, its audience
 * (MICROSOFT_APP_ID), its expiry, the key's endorsement of the channel, and that its `serviceurl` claim
 * is the activity's serviceUrl (where the replies go). Anything else gets 401 and changes nothing.
 */

/** Characters per message part; Teams takes about 28 KB per message, Vietnamese text is up to 3 bytes a character. */
export const BOTFRAMEWORK_TEXT_LIMIT = 4000;
/** Teams shows at most 6 buttons on a hero card; more become a numbered list. */
const MAX_CARD_BUTTONS = 6;
/** Issuer of the tokens the Bot Framework channel service signs (public Azure). */
export const CHANNEL_TOKEN_ISSUER = 'https://api.botframework.com';
/** Audience of the bot's own token for calls to the Bot Connector (public Azure). */
const TO_CHANNEL_OAUTH_SCOPE = 'https://api.botframework.com';
/** The tenant of multi-tenant bots' outbound tokens. */
const MULTI_TENANT_LOGIN_TENANT = 'botframework.com';

export interface BfPart {
  text: string;
  /** messageBack buttons for a hero card under the text (last part only). */
  actions?: CardAction[];
}

/** Text parts (split at `limit`) with the buttons as hero-card actions on the last part, or a numbered list. */
export function renderBotFramework(reply: Reply, limit: number): { parts: BfPart[]; numbered?: Button[] } {
  const buttons = reply.buttons ?? [];
  const fits = buttons.length <= MAX_CARD_BUTTONS && buttons.every((b) => b.payload.length > 0);
  const text = buttons.length && !fits ? withNumberedButtons(reply.text, buttons) : reply.text;
  const parts: BfPart[] = splitText(text, limit).map((t) => ({ text: t }));
  if (buttons.length && fits) {
    // messageBack: the title shows in the chat, the payload travels in `value`, and `text` (the title)
    // still means the right thing if a client drops the value.
    parts[parts.length - 1]!.actions = buttons.map((b) => ({
      type: 'messageBack', title: b.title, text: b.title, displayText: b.title, value: { payload: b.payload },
    }));
  }
  return { parts, numbered: buttons.length && !fits ? buttons : undefined };
}

/** The unverified `iss` of a bearer JWT, to turn away tokens that no Bot Framework channel issued before any work. */
function bearerIssuer(header: string | undefined): string | undefined {
  const m = header?.match(/^Bearer ([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]*)$/);
  if (!m) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(m[2]!, 'base64url').toString('utf8')) as { iss?: unknown };
    return typeof claims.iss === 'string' ? claims.iss : undefined;
  } catch {
    return undefined;
  }
}

function isGroupConversation(a: Activity): boolean {
  const type = a.conversation?.conversationType;
  return a.conversation?.isGroup === true || type === 'groupChat' || type === 'channel';
}

/** A short stable key for the dedup table: activity ids are unique only within a conversation (Teams uses timestamps). */
function dedupKey(...parts: string[]): string {
  return crypto.createHash('sha256').update(parts.join('\n')).digest('base64url').slice(0, 32);
}

interface Runtime {
  auth: BotFrameworkAuthentication;
  adapter: CloudAdapter;
  heroCard: (typeof import('botbuilder'))['CardFactory']['heroCard'];
  conversationReference: (typeof import('botbuilder'))['TurnContext']['getConversationReference'];
}

/** Microsoft Bot Framework channel; off unless MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD (or a managed identity) are set. */
export function createBotFrameworkChannel(deps: PlatformDeps, options: PlatformChannelOptions = {}): Channel | undefined {
  const { config, engine, storage, log } = deps;
  const appId = config.MICROSOFT_APP_ID;
  const password = config.MICROSOFT_APP_PASSWORD;
  const tenantId = config.MICROSOFT_APP_TENANT_ID;
  const appType = config.MICROSOFT_APP_TYPE;
  const missing = [
    !appId && 'MICROSOFT_APP_ID',
    appType !== 'UserAssignedMSI' && !password && 'MICROSOFT_APP_PASSWORD',
    appType !== 'MultiTenant' && !tenantId && 'MICROSOFT_APP_TENANT_ID',
  ].filter((m): m is string => !!m);
  if (!appId || missing.length) {
    log.info({ channel: 'botframework', missing }, 'channel off: credentials not set');
    return undefined;
  }
  if (appType === 'UserAssignedMSI' && password) {
    log.warn({ channel: 'botframework' }, 'MICROSOFT_APP_PASSWORD is ignored with MICROSOFT_APP_TYPE=UserAssignedMSI');
  }

  const outbound = new Outbound('botframework', storage, log, { ratePerSecond: 30, burst: 30, drainTimeoutMs: config.SHUTDOWN_TIMEOUT_MS, ...options.outbound });
  const memory = new ButtonMemory();
  const limit = options.textLimit?.botframework ?? BOTFRAMEWORK_TEXT_LIMIT;
  let runtime: Runtime | undefined;

  // botbuilder and its dependencies take ~60 MB and a quarter second to load: only when the channel is on.
  async function load(): Promise<Runtime> {
    const [bb, connector] = await Promise.all([import('botbuilder'), import('botframework-connector')]);
    const credentials: ServiceClientCredentialsFactory = appType === 'UserAssignedMSI'
      ? new connector.ManagedIdentityServiceClientCredentialsFactory(appId!, new connector.JwtTokenProviderFactory())
      : new ClientSecretCredentialsFactory(appId!, password!, outbound.options.timeoutMs);
    const loginTenant = appType === 'MultiTenant' ? MULTI_TENANT_LOGIN_TENANT : tenantId!;
    // Every endpoint is given explicitly: botbuilder then uses exactly these (its "parameterized" mode).
    const auth = new bb.ConfigurationBotFrameworkAuthentication({
      MicrosoftAppId: appId,
      MicrosoftAppTenantId: tenantId ?? '',
      ToBotFromChannelOpenIdMetadataUrl: config.BOTFRAMEWORK_OPENID_METADATA_URL,
      ToBotFromChannelTokenIssuer: CHANNEL_TOKEN_ISSUER,
      ToBotFromEmulatorOpenIdMetadataUrl: connector.AuthenticationConstants.ToBotFromEmulatorOpenIdMetadataUrl,
      ToChannelFromBotLoginUrl: `${config.BOTFRAMEWORK_LOGIN_URL}/${loginTenant}`,
      ToChannelFromBotOAuthScope: TO_CHANNEL_OAUTH_SCOPE,
      OAuthUrl: connector.AuthenticationConstants.OAuthUrl,
      CallerId: bb.CallerIdConstants.PublicAzureChannel,
      ValidateAuthority: true,
    }, credentials);
    // No onTurnError: an error in a reply turn propagates to the inbox, which knows what to do with it.
    const adapter = new bb.CloudAdapter(auth);
    return {
      auth, adapter,
      heroCard: bb.CardFactory.heroCard.bind(bb.CardFactory),
      conversationReference: bb.TurnContext.getConversationReference.bind(bb.TurnContext),
    };
  }

  const classify = (e: unknown): SendError => {
    if (e instanceof SendError) return e;
    if (e instanceof TokenRequestError) return new SendError(`token_${e.status}`, false);
    const x = e as { statusCode?: unknown; code?: unknown; name?: unknown };
    const code = typeof x?.statusCode === 'number' ? x.statusCode : typeof x?.code === 'string' ? x.code : typeof x?.name === 'string' ? x.name : 'network_error';
    // The connector client already retried 429, 5xx and network errors (honouring Retry-After): no second round here.
    return new SendError(code, false);
  };

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

  async function send(context: TurnContext, activity: Partial<Activity>): Promise<void> {
    await outbound.call('sendActivity', async (signal) => {
      try {
        await unlessAborted(context.sendActivity(activity), signal);
      } catch (e) {
        throw classify(e);
      }
    });
  }

  /**
   * Sends the replies to the conversation of `activity` (its serviceUrl, as a reply to it) in a turn of
   * their own, so a message replayed from the inbox after a restart is answered the same way as a fresh one.
   */
  async function deliver(activity: Activity, userId: string, replies: Reply[]): Promise<void> {
    const rt = runtime;
    if (!rt) throw new SendError('aborted_at_shutdown', false);
    let failure: unknown;
    let numbered: Button[] | undefined;
    await rt.adapter.continueConversationAsync(appId!, rt.conversationReference(activity), async (context) => {
      // As a reply to the person's activity (as within its own turn), not to the continuation's made-up id.
      (context.activity as { id?: string }).id = typeof activity.id === 'string' && activity.id ? activity.id : undefined;
      try {
        for (const reply of replies) {
          const rendered = renderBotFramework(reply, limit);
          numbered = rendered.numbered;
          for (const part of rendered.parts) {
            // Plain text: nothing a user typed (echoed in "no information about ...") turns into markdown or links.
            await send(context, {
              type: 'message', text: part.text, textFormat: 'plain',
              ...(part.actions ? { attachments: [rt.heroCard('', undefined, part.actions)] } : {}),
            });
          }
        }
      } catch (e) {
        failure = e;
      }
    }).catch((e: unknown) => {
      // The turn could not even start (credentials, managed identity): logged here, as no call was made.
      log.warn({ channel: 'botframework', err: describe(e) }, 'reply turn failed');
      failure ??= classify(e);
    });
    if (failure) throw failure;
    memory.offer(userId, { numbered });
  }

  /** The conversation job for an authenticated activity (fresh or replayed from the inbox); undefined for anything else. */
  function toJob(a: Activity): TurnJob | undefined {
    const channelId = a.channelId;
    const conversationId = a.conversation?.id;
    if (typeof channelId !== 'string' || typeof conversationId !== 'string' || isGroupConversation(a)) return undefined;
    const scoped = (id: string) => `${channelId}:${id}`;
    // Activity ids are unique only within a conversation (Teams uses timestamps); an activity without one is keyed by its content.
    const activityKey = typeof a.id === 'string' && a.id ? a.id : `content:${dedupKey(JSON.stringify(a))}`;
    if (a.type === 'message') {
      const fromId = a.from?.id;
      if (typeof fromId !== 'string' || !fromId || fromId === a.recipient?.id) return undefined;
      const userId = scoped(fromId);
      const value = a.value as { payload?: unknown } | undefined;
      const submitted = value && typeof value === 'object' && typeof value.payload === 'string' && value.payload ? value.payload : undefined;
      const text = typeof a.text === 'string' && a.text.trim() ? a.text : undefined;
      const hasAttachments = Array.isArray(a.attachments) && a.attachments.length > 0;
      return {
        userId,
        messageId: dedupKey(channelId, conversationId, activityKey),
        inbound: () => {
          const payload = submitted ?? memory.resolve(userId, text);
          if (payload) return { payload };
          if (text !== undefined) return { text };
          return hasAttachments ? { unsupported: true } : {};
        },
        deliver: (replies) => deliver(a, userId, replies),
      };
    }
    if (a.type === 'conversationUpdate') {
      const botId = a.recipient?.id;
      const added = (a.membersAdded ?? []).map((m) => m?.id).filter((id): id is string => typeof id === 'string' && !!id);
      // Web Chat and Direct Line add the person; Teams announces a personal install by adding the bot only.
      let person = added.find((id) => id !== botId);
      if (!person && botId && added.includes(botId) && a.conversation?.conversationType === 'personal' && a.from?.id && a.from.id !== botId) person = a.from.id;
      if (!person) return undefined;
      const userId = scoped(person);
      return {
        userId,
        messageId: dedupKey(channelId, conversationId, activityKey, person),
        inbound: () => ({ payload: 'START' }),
        deliver: (replies) => deliver(a, userId, replies),
      };
    }
    return undefined; // typing, reactions, installation updates, invokes, events...
  }

  const inbox = new Inbox<Activity>({ outbound, storage, engine, log }, toJob, { leaseMs: config.INBOX_LEASE_MS, sweepMs: config.INBOX_SWEEP_MS });

  const router = express.Router();
  router.post('/api/messages', (req, res, next) => {
    if (!runtime) {
      res.set('retry-after', '1');
      return sendError(res, 503, 'starting', 'Not ready yet');
    }
    // Only tokens issued by the Bot Framework channel service go further (no Emulator or skill tokens).
    if (bearerIssuer(req.get('authorization')) !== CHANNEL_TOKEN_ISSUER) {
      log.warn({ channel: 'botframework', reason: req.get('authorization') ? 'not a channel token' : 'no token' }, 'botframework request refused');
      return sendError(res, 401, 'unauthorized', 'Missing or invalid token');
    }
    next();
  }, express.json({ limit: config.BODY_LIMIT_BYTES, type: () => true }), async (req, res) => {
    const activity = req.body as Activity | undefined;
    if (!activity || typeof activity !== 'object' || Array.isArray(activity) || typeof activity.type !== 'string' || typeof activity.serviceUrl !== 'string' || !activity.serviceUrl) {
      return sendError(res, 400, 'bad_request', 'Not a Bot Framework activity');
    }
    try {
      // The same check CloudAdapter.process makes (signature and key, issuer, audience = MICROSOFT_APP_ID,
      // expiry, endorsement of the channel, serviceurl claim = activity.serviceUrl), but every refusal is a 401:
      // process() answers 500 for a bad signature, and would hold the request open until the replies went out.
      await runtime!.auth.authenticateRequest(activity, req.get('authorization') ?? '');
    } catch (err) {
      // Refused all the same when the signing keys could not be fetched, but as 503 so the channel tries again.
      const status = (err as { statusCode?: unknown })?.statusCode;
      if ((typeof status === 'number' && status >= 500) || (err as { name?: unknown })?.name === 'FetchError') {
        log.error({ channel: 'botframework', err: describe(err) }, 'could not check a botframework token: signing keys unavailable');
        res.set('retry-after', '5');
        return sendError(res, 503, 'keys_unavailable', 'Cannot verify the token now');
      }
      log.warn({ channel: 'botframework', reason: describe(err) }, 'botframework request refused');
      return sendError(res, 401, 'unauthorized', 'Token refused');
    }
    try {
      // Acknowledged once stored; the replies follow in the background, in the user's order.
      await inbox.accept(activity);
    } catch (err) {
      log.error({ channel: 'botframework', err: describe(err) }, 'could not store an activity; the channel will redeliver it');
      return sendError(res, 500, 'storage_unavailable', 'Could not store the activity');
    }
    res.status(200).end();
  });

  return {
    name: 'botframework',
    router,
    async start() {
      runtime = await load();
      await inbox.start();
      log.info({ channel: 'botframework', appType }, 'channel on');
    },
    async stop() {
      await inbox.stop();
    },
  };
}
