import type { Config } from '../config.js';
import type { Inbound, Reply } from '../core/messages.js';
import type { PeopleHooks, ProactiveChannel } from '../core/outreach.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../ops/metrics.js';
import type { Store } from '../storage/ports.js';
import { BotFrameworkAdapter } from './botframework/adapter.js';
import type { InboxOptions } from './kit/inbox.js';
import type { OutboundOptions } from './kit/outbound.js';
import { PlatformChannel } from './kit/platform-channel.js';
import type { Channel, PlatformAdapter } from './kit/types.js';
import { MessengerAdapter } from './messenger/adapter.js';
import { TelegramAdapter } from './telegram/adapter.js';
import { ZaloAdapter } from './zalo/adapter.js';

export type { Channel } from './kit/types.js';

export interface PlatformDeps {
  config: Config;
  engine: { handle(inbound: Inbound): Promise<Reply[]> };
  store: Pick<Store, 'inbox' | 'settings'>;
  log: Logger;
  metrics?: Metrics;
  /** Outreach's hooks: people's last interactions, blocks, and messages waiting for their next one. */
  people?: PeopleHooks;
}

/** Tuning knobs; production uses the defaults, tests shorten delays and limits. */
export interface PlatformChannelOptions {
  outbound?: Partial<OutboundOptions>;
  /** Characters per message part (defaults: Telegram 4096, Messenger 2000, Zalo 2000, Bot Framework 4000). */
  textLimit?: Partial<Record<'telegram' | 'messenger' | 'zalo' | 'botframework', number>>;
  /** getUpdates long-poll timeout in seconds (default 50). */
  telegramPollTimeoutSec?: number;
  /** How often the Zalo access token's expiry is checked (default 5 min); refreshed when less than `refreshBeforeMs` is left (default 1 h). */
  zalo?: { refreshCheckMs?: number; refreshBeforeMs?: number };
  inbox?: Partial<InboxOptions>;
}

/** A platform's adapter when its credentials are set; otherwise the settings it lacks. */
type Candidate = PlatformAdapter<never, never> | { off: string; missing: string[] };

const missing = (pairs: [string, unknown][]) => pairs.filter(([, v]) => !v).map(([k]) => k);

/**
 * The one place that reads channel settings: each platform whose credentials are set gets its adapter with
 * typed options; the others are off (logged once, never a crash). A new platform is one folder and one entry here.
 */
function candidates(c: Config, o: PlatformChannelOptions, deps: PlatformDeps): Candidate[] {
  const { log } = deps;
  const timeoutMs = o.outbound?.timeoutMs;
  const tg = missing([['TELEGRAM_BOT_TOKEN', c.TELEGRAM_BOT_TOKEN]]);
  const fb = missing([['MESSENGER_PAGE_ACCESS_TOKEN', c.MESSENGER_PAGE_ACCESS_TOKEN], ['MESSENGER_APP_SECRET', c.MESSENGER_APP_SECRET], ['MESSENGER_VERIFY_TOKEN', c.MESSENGER_VERIFY_TOKEN]]);
  const zl = missing([['ZALO_APP_ID', c.ZALO_APP_ID], ['ZALO_OA_SECRET_KEY', c.ZALO_OA_SECRET_KEY], ['ZALO_ACCESS_TOKEN', c.ZALO_ACCESS_TOKEN]]);
  const bf = missing([
    ['MICROSOFT_APP_ID', c.MICROSOFT_APP_ID],
    ['MICROSOFT_APP_PASSWORD', c.MICROSOFT_APP_TYPE === 'UserAssignedMSI' || c.MICROSOFT_APP_PASSWORD],
    ['MICROSOFT_APP_TENANT_ID', c.MICROSOFT_APP_TYPE === 'MultiTenant' || c.MICROSOFT_APP_TENANT_ID],
  ]);
  if (!bf.length && c.MICROSOFT_APP_TYPE === 'UserAssignedMSI' && c.MICROSOFT_APP_PASSWORD) {
    log.warn({ channel: 'botframework' }, 'MICROSOFT_APP_PASSWORD is ignored with MICROSOFT_APP_TYPE=UserAssignedMSI');
  }
  return [
    tg.length ? { off: 'telegram', missing: tg } : new TelegramAdapter({
      token: c.TELEGRAM_BOT_TOKEN!, apiRoot: c.TELEGRAM_API_ROOT, webhookSecret: c.TELEGRAM_WEBHOOK_SECRET,
      textLimit: o.textLimit?.telegram, pollTimeoutSec: o.telegramPollTimeoutSec, log,
    }),
    fb.length ? { off: 'messenger', missing: fb } : new MessengerAdapter({
      pageToken: c.MESSENGER_PAGE_ACCESS_TOKEN!, appSecret: c.MESSENGER_APP_SECRET!, verifyToken: c.MESSENGER_VERIFY_TOKEN!,
      graphUrl: c.MESSENGER_GRAPH_URL, textLimit: o.textLimit?.messenger, timeoutMs, humanAgent: c.MESSENGER_HUMAN_AGENT,
    }),
    zl.length ? { off: 'zalo', missing: zl } : new ZaloAdapter({
      appId: c.ZALO_APP_ID!, appSecret: c.ZALO_APP_SECRET, oaSecretKey: c.ZALO_OA_SECRET_KEY!, accessToken: c.ZALO_ACCESS_TOKEN!,
      refreshToken: c.ZALO_REFRESH_TOKEN, apiUrl: c.ZALO_API_URL, oauthUrl: c.ZALO_OAUTH_URL, textLimit: o.textLimit?.zalo, timeoutMs,
      ...o.zalo, settings: deps.store.settings, log, paidSending: c.ZALO_PAID_SENDING,
    }),
    bf.length ? { off: 'botframework', missing: bf } : new BotFrameworkAdapter({
      appId: c.MICROSOFT_APP_ID!, password: c.MICROSOFT_APP_PASSWORD, tenantId: c.MICROSOFT_APP_TENANT_ID, appType: c.MICROSOFT_APP_TYPE,
      openIdMetadataUrl: c.BOTFRAMEWORK_OPENID_METADATA_URL, loginUrl: c.BOTFRAMEWORK_LOGIN_URL, textLimit: o.textLimit?.botframework, timeoutMs, log,
    }),
  ] as Candidate[];
}

/** The platform connectors whose credentials are set; each can also message people outside a turn. */
export function createPlatformChannels(deps: PlatformDeps, options: PlatformChannelOptions = {}): (Channel & ProactiveChannel)[] {
  const { config, log } = deps;
  const channels: (Channel & ProactiveChannel)[] = [];
  for (const c of candidates(config, options, deps)) {
    if ('off' in c) {
      log.info({ channel: c.off, missing: c.missing }, 'channel off: credentials not set');
      continue;
    }
    if (c instanceof ZaloAdapter) deps.metrics?.watchZaloToken(() => c.tokenExpiresAt());
    channels.push(new PlatformChannel(c, {
      engine: deps.engine, inbox: deps.store.inbox, settings: deps.store.settings, log, metrics: deps.metrics,
      bodyLimit: config.BODY_LIMIT_BYTES,
      outbound: { drainTimeoutMs: config.SHUTDOWN_TIMEOUT_MS, ...options.outbound },
      inboxOptions: { leaseMs: config.INBOX_LEASE_MS, sweepMs: config.INBOX_SWEEP_MS, ...options.inbox }, people: deps.people,
      imageMaxBytes: config.IMAGE_MAX_BYTES,
    }));
  }
  return channels;
}
