import type { Router } from 'express';
import type { Button, ChannelName, Inbound, Reply } from '../../core/messages.js';
import type { SendKind } from '../../core/outreach.js';
import type { SendError } from './errors.js';
import type { Windows } from './windows.js';

/** A connector as the server sees it: webhook routes, and background work started once the server listens. */
export interface Channel {
  readonly name: ChannelName;
  /** Mounted at the server root; holds the channel's webhook routes. */
  readonly router?: Router;
  /** Begins background work (long polling, token refresh, replay of pending messages). */
  start?(): Promise<void>;
  /** Stops taking new work and finishes what was acknowledged. */
  stop?(): Promise<void>;
}

/** What a user sent, in the engine's terms. */
export type Input = Pick<Inbound, 'text' | 'payload' | 'unsupported' | 'start'>;

/** A platform event read as a conversation message. */
export interface ParsedMessage {
  /** The platform's user id: the conversation key. */
  userId: string;
  /** Unique per delivery: the inbox key, so a redelivery is dropped. */
  messageId: string;
  input: Input;
  /** Where replies go, when that is more than the user id (Bot Framework: the conversation reference). */
  address?: unknown;
  /** A platform acknowledgement to make when the message's turn comes (Telegram: the callback query id). */
  ack?: string;
  /** When the user acted, per the platform (epoch ms), for messaging windows. */
  at?: number;
  /** The platform says the person blocked or left the bot (false), or came back (true); with an empty input, nothing to answer. */
  present?: boolean;
  /** A picture the person sent, as the platform refers to it (Telegram file id, attachment URL): fetched only when read. */
  image?: unknown;
}

/** A reply rendered for one platform: the parts to send, and what its buttons became. */
export interface Rendered<P> {
  parts: P[];
  /** Buttons that did not fit and were listed with numbers: a typed "2" means the second. */
  numbered?: Button[];
  /** Texts that come back when a button is pressed (Zalo's query buttons) and the payload each means. */
  queries?: [text: string, payload: string][];
}

/** An HTTP request to a webhook, as an adapter's `verify` sees it. */
export interface WebhookRequest {
  raw: Buffer;
  /** The body parsed as JSON; undefined when it is not a JSON object. */
  body: Record<string, unknown> | undefined;
  header(name: string): string | undefined;
}

/** Why a webhook request is refused. */
export interface Refusal {
  status: number;
  code: string;
  message: string;
  retryAfterSeconds?: number;
}

export interface WebhookSpec<E> {
  path: string;
  /** Checks that the request comes from the platform (signature, secret, token); a refusal otherwise. */
  verify(req: WebhookRequest): Refusal | undefined | Promise<Refusal | undefined>;
  /** The events a verified body carries (Messenger batches them). */
  events(body: Record<string, unknown>): E[];
  /** Answers GET on the path (Messenger's subscription check). */
  get?(query: Record<string, unknown>): { status: number; text: string };
}

/** What an adapter can do while it runs: hand over events it fetched itself (Telegram long polling). */
export interface AdapterContext<E> {
  accept(event: E): Promise<'stored' | 'duplicate' | 'ignored'>;
  /** A platform call of the adapter's own, rate-limited and retried like sends (failures classified by the adapter). */
  call<T>(method: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T>;
  /** How long the adapter's own retry loop waits: the platform's retry-after when it gave one, else backoff. */
  retryDelay(attempt: number, error?: SendError): number;
}

/**
 * One platform, as small as it can be: read its events, render replies, make one send call, classify
 * failures. Everything else (inbox, ordering, rate limits, retries, button memory, windows) is the kit's.
 */
export interface PlatformAdapter<E = unknown, P = unknown> {
  readonly name: ChannelName;
  /** Sustained calls per second and burst the platform allows us. */
  readonly rate: { perSecond: number; burst: number };
  /** The send call's name in logs and metrics. */
  readonly sendMethod: string;
  /** How long after the person's last interaction messages are allowed (Messenger, Zalo); unlimited when absent. */
  readonly windows?: Windows;
  parse(event: E): ParsedMessage | undefined;
  render(reply: Reply): Rendered<P>;
  /** One platform call delivering one part; throws anything on failure (classified by `classify`). `kind` labels it (Messenger). */
  send(to: unknown, part: P, signal: AbortSignal, kind?: SendKind): Promise<void>;
  /** The part of a reply address worth storing to message the person later (Bot Framework: the conversation reference). */
  storedAddress?(address: unknown): unknown;
  /** Turns a failed call's error into a SendError (retryable or not, wait, person gone). */
  classify(error: unknown): SendError;
  acknowledge?(ack: string, signal: AbortSignal): Promise<void>;
  /** Fetches a picture from `ParsedMessage.image`; over `maxBytes` it throws SendError(IMAGE_TOO_LARGE). */
  fetchImage?(ref: unknown, maxBytes: number, signal: AbortSignal): Promise<Uint8Array>;
  readonly webhook?: WebhookSpec<E>;
  start?(ctx: AdapterContext<E>): Promise<void>;
  stop?(): Promise<void>;
}
