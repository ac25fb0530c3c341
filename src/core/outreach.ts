import type { ChannelName, Reply } from './messages.js';

/**
 * Messages to a person outside a turn (broadcasts, staff replies, notices), as the outreach module and the
 * channels agree on them. Channels implement `ProactiveChannel`; outreach implements `PeopleHooks`.
 */

/** Why a message goes out without the person having just written. */
export type SendPurpose =
  /** An announcement to subscribers: automated, only within the platform's standard window. */
  | 'broadcast'
  /** A staff member's own reply in a handoff: may use a platform's longer human window. */
  | 'staff'
  /** An automated notice about the person's own conversation (the bot is back, an apology). */
  | 'notice';

/** How the platform call is labelled: Messenger's messaging_type (RESPONSE, UPDATE, or the HUMAN_AGENT tag). */
export type SendKind = 'response' | 'update' | 'human_agent';

/** Whether a person can be messaged now under the platform's rules, and until when. */
export interface Reach {
  /** now: send; later: when they next write; outside: not under this platform's rules. */
  when: 'now' | 'later' | 'outside';
  /** Last moment a message of this purpose is allowed (epoch ms); absent when the platform has no window. */
  deadline?: number;
  /** Until when sending is free of charge (Zalo: 48 h after the last interaction). */
  freeUntil?: number;
  kind?: SendKind;
}

/** What happened to one message to one person. */
export type Outcome =
  | { status: 'sent' }
  | { status: 'later'; reason: string }
  | { status: 'skipped'; reason: string }
  /** `gone`: the platform says the person cannot be messaged any more (blocked, left, deactivated). */
  | { status: 'failed'; reason: string; gone: boolean };

export interface Recipient {
  /** The platform's user id: the per-user ordering key, and where to send unless `address` says otherwise. */
  userId: string;
  /** A stored reply address (Bot Framework conversation reference). */
  address?: unknown;
  /** The person's last interaction (epoch ms), for the platform's window. */
  lastSeen?: number;
}

/** A channel that can message a person outside a turn, through its own outbound queue. */
export interface ProactiveChannel {
  readonly name: ChannelName;
  reach(lastSeen: number | undefined, purpose: SendPurpose, now?: number): Reach;
  sendTo(to: Recipient, replies: Reply[], purpose: SendPurpose): Promise<Outcome>;
}

/** What a channel tells outreach about people, and asks it after each turn. */
export interface PeopleHooks {
  /** The person wrote (or pressed a button) at `at`; `address` is where replies go when that is more than the id. */
  seen(channel: ChannelName, userId: string, at: number, address?: unknown): Promise<void>;
  /** The person blocked the bot or unfollowed (false), or came back (true), per the platform. */
  membership(channel: ChannelName, userId: string, present: boolean): Promise<void>;
  /** After a turn's replies: messages that waited for this person to write (later broadcasts, queued staff replies). */
  afterTurn(channel: ChannelName, userId: string, send: (replies: Reply[]) => Promise<Outcome>): Promise<void>;
}
