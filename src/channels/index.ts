import type { Config } from '../config.js';
import type { Engine } from '../core/engine.js';
import type { Logger } from '../log.js';
import type { Storage } from '../storage/types.js';
import type { Channel } from './channel.js';
import type { OutboundOptions } from './outbound.js';
import { createBotFrameworkChannel } from './botframework.js';
import { createMessengerChannel } from './messenger.js';
import { createTelegramChannel } from './telegram.js';
import { createZaloChannel } from './zalo.js';

export interface PlatformDeps {
  config: Config;
  engine: Engine;
  storage: Storage;
  log: Logger;
}

/** Tuning knobs; production uses the defaults, tests shorten delays and limits. */
export interface PlatformChannelOptions {
  outbound?: Partial<OutboundOptions>;
  /** Characters per message part (defaults: Telegram 4096, Messenger 2000, Zalo 2000, Bot Framework 4000). */
  textLimit?: Partial<Record<'telegram' | 'messenger' | 'zalo' | 'botframework', number>>;
  /** getUpdates long-poll timeout in seconds (default 50). */
  telegramPollTimeoutSec?: number;
  zalo?: {
    /** How often the access token's expiry is checked (default 5 min). */
    refreshCheckMs?: number;
    /** Refresh when less than this is left (default 1 h). */
    refreshBeforeMs?: number;
  };
}

/** The platform connectors whose credentials are set; the others are off (logged once, never a crash). */
export function createPlatformChannels(deps: PlatformDeps, options: PlatformChannelOptions = {}): Channel[] {
  return [
    createTelegramChannel(deps, options),
    createMessengerChannel(deps, options),
    createZaloChannel(deps, options),
    createBotFrameworkChannel(deps, options),
  ].filter((c): c is Channel => c !== undefined);
}
