import type { Router } from 'express';
import type { ChannelName } from '../core/messages.js';

/** A platform connector: parses inbound traffic into Inbound, renders Reply lists for its platform. */
export interface Channel {
  readonly name: ChannelName;
  /** Mounted at the server root; holds the channel's webhook routes. */
  readonly router?: Router;
  /** Begins background work (long polling, token refresh); called once the server listens. */
  start?(): Promise<void>;
  /** Stops taking new work and finishes what was acknowledged. */
  stop?(): Promise<void>;
}
