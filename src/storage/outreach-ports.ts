import type { ChannelName } from '../core/messages.js';

/**
 * Storage for outreach: who may be messaged outside a turn (contacts, subscriptions), announcements and their
 * per-recipient deliveries, and conversations handed to staff. Keyed by the pseudonymous user key; the raw
 * platform id lives only in `contacts`, because no message can be sent without it.
 */

/** Where and since when a person can be reached: kept only while they subscribe or talk to staff. */
export interface Contact {
  userKey: string;
  channel: ChannelName;
  /** The platform's user id (never exported). */
  userId: string;
  /** A stored reply address (Bot Framework), as JSON. */
  address?: string;
  /** The person's last interaction. */
  lastSeen: Date;
}

export type SubscriptionStatus = 'active' | 'unsubscribed' | 'gone';

export interface Subscription {
  userKey: string;
  channel: ChannelName;
  status: SubscriptionStatus;
  /** When the person opted in: their consent to be messaged. */
  consentAt: Date;
  changedAt: Date;
  /** Why the platform says they are gone (blocked, deactivated, not a follower...). */
  reason?: string;
}

/** Who an announcement goes to: every active subscriber, narrowed by channel, organisation and commune (from their profile). */
export interface AudienceFilter {
  channel?: ChannelName;
  organisation?: string;
  unit?: string;
}

export interface SubscriptionStore {
  /**
   * Creates the contact, or refreshes its id (an address already stored is kept). Without `lastSeen` a new contact
   * has none yet: the channel reports the platform's own time of the message right after the turn (touchContact).
   */
  saveContact(c: Omit<Contact, 'lastSeen'> & { lastSeen?: Date }): Promise<void>;
  getContact(userKey: string): Promise<Contact | undefined>;
  /** A known contact wrote: moves its last interaction forward and stores the address. False when not a contact. */
  touchContact(userKey: string, at: Date, address?: string): Promise<boolean>;
  /** Drops the contact once nothing needs it (no active subscription, no conversation with staff). */
  pruneContact(userKey: string): Promise<void>;
  /** Opts in (consent time kept from a first opt-in only if still active): 'new', 'again' or 'already'. */
  subscribe(userKey: string, channel: ChannelName, at: Date): Promise<'new' | 'again' | 'already'>;
  /** Opts out; false when the person was not subscribed. */
  unsubscribe(userKey: string, at: Date): Promise<boolean>;
  /** active → gone (the platform says the person cannot be messaged); gone → active when they come back. */
  markGone(userKey: string, reason: string, at: Date): Promise<boolean>;
  markBack(userKey: string, at: Date): Promise<boolean>;
  getSubscription(userKey: string): Promise<Subscription | undefined>;
  /** Active subscribers of the audience: channel and last interaction, for the per-channel preview. */
  audience(filter: AudienceFilter): Promise<{ channel: ChannelName; lastSeen: Date }[]>;
  countSubscriptions(): Promise<{ channel: ChannelName; status: SubscriptionStatus; count: number }[]>;
}

export type BroadcastStatus = 'draft' | 'sending' | 'done' | 'cancelled';
export type DeliveryStatus = 'pending' | 'sent' | 'failed' | 'later' | 'skipped';
export interface BroadcastButton { title: string; payload: string }

export interface Broadcast {
  id: string;
  createdAt: Date;
  createdBy: string;
  text: string;
  buttons: BroadcastButton[];
  filter: AudienceFilter;
  status: BroadcastStatus;
  sentAt?: Date;
  finishedAt?: Date;
}

/** One recipient of one announcement, claimed by lease like the inbox's rows. */
export interface Delivery {
  id: number;
  broadcastId: string;
  userKey: string | null;
  channel: ChannelName;
  status: DeliveryStatus;
  reason?: string;
  attempts: number;
  updatedAt: Date;
}

export type DeliveryCounts = Record<DeliveryStatus, number>;

export interface BroadcastStore {
  createBroadcast(b: Broadcast): Promise<void>;
  getBroadcast(id: string): Promise<Broadcast | undefined>;
  listBroadcasts(limit: number): Promise<Broadcast[]>;
  /** draft → sending with one pending delivery per active subscriber of its audience, in one transaction; false if not a draft. */
  startBroadcast(id: string, at: Date): Promise<boolean>;
  /** sending/draft → cancelled; its pending and later deliveries become skipped. False when already finished. */
  cancelBroadcast(id: string, at: Date): Promise<boolean>;
  /** sending → done once no delivery is pending. */
  finishBroadcast(id: string, at: Date): Promise<boolean>;
  sendingBroadcasts(): Promise<string[]>;
  /** Pending deliveries whose lease ran out, in order. */
  claimableDeliveries(broadcastId: string, limit: number): Promise<Delivery[]>;
  /** Takes a delivery (status `from`, `attempts` so far, no running lease) for `leaseMs`: compare-and-set. */
  claimDelivery(id: number, from: 'pending' | 'later', attempts: number, leaseMs: number): Promise<boolean>;
  renewDelivery(id: number, attempts: number, leaseMs: number): Promise<boolean>;
  /** Records the outcome, if the delivery is still held at `attempts` and not final. */
  finishDelivery(id: number, attempts: number, status: DeliveryStatus, reason: string | undefined, at: Date): Promise<boolean>;
  deliveryCounts(broadcastId: string): Promise<{ channel: ChannelName; status: DeliveryStatus; count: number }[]>;
  /** Deliveries waiting for this person's next message, of announcements still sending or done, oldest first. */
  laterFor(userKey: string, sentAfter: Date): Promise<(Delivery & { text: string; buttons: BroadcastButton[] })[]>;
  /** Later deliveries of announcements sent before `sentBefore` are skipped as expired. */
  expireLater(sentBefore: Date, at: Date): Promise<number>;
  deliveryReport(broadcastId: string, limit: number, offset: number): Promise<Delivery[]>;
  /** Messages delivered per channel in a period (for the report). */
  sentByChannel(from: Date | undefined, to: Date | undefined): Promise<{ channel: ChannelName; count: number }[]>;
}

export type HandoffStatus = 'waiting' | 'open' | 'closed';
export type HandoffSender = 'citizen' | 'staff' | 'bot';

export interface Handoff {
  id: string;
  userKey: string | null;
  channel: ChannelName;
  status: HandoffStatus;
  organisation?: string;
  unit?: string;
  requestedAt: Date;
  answeredAt?: Date;
  closedAt?: Date;
  closedReason?: string;
  lastMessageAt: Date;
  /** The citizen was told the bot is back (or the apology after a timeout). */
  backNotified: boolean;
}

export interface HandoffMessage {
  id: number;
  handoffId: string;
  from: HandoffSender;
  /** The staff member who wrote it. */
  author?: string;
  text: string;
  at: Date;
  /** False for a staff reply waiting for the citizen's next visit (web chat). */
  delivered: boolean;
}

export interface HandoffStore {
  /** Opens a waiting conversation with the bot's recent exchange; false when the person already has one open. */
  openHandoff(h: Handoff, transcript: Omit<HandoffMessage, 'id' | 'handoffId'>[]): Promise<boolean>;
  /** The person's waiting or open conversation. */
  activeHandoff(userKey: string): Promise<Handoff | undefined>;
  getHandoff(id: string): Promise<Handoff | undefined>;
  /** Oldest first; `organisation` narrows to one organisation (a viewer's). */
  listHandoffs(status: HandoffStatus, organisation: string | undefined, limit: number): Promise<Handoff[]>;
  addHandoffMessage(m: Omit<HandoffMessage, 'id'>): Promise<void>;
  handoffMessages(handoffId: string, limit: number): Promise<HandoffMessage[]>;
  undeliveredStaffMessages(handoffId: string): Promise<HandoffMessage[]>;
  markMessageDelivered(id: number): Promise<void>;
  /** waiting → open at the first staff reply. */
  markAnswered(id: string, at: Date): Promise<boolean>;
  /** waiting/open → closed; false when already closed (so only one closer tells the citizen). */
  closeHandoff(id: string, reason: string, at: Date): Promise<boolean>;
  setBackNotified(id: string): Promise<void>;
  /** The person's closed conversations whose "bot is back" notice did not reach them. */
  unnotifiedClosed(userKey: string): Promise<Handoff[]>;
  /** Waiting conversations requested before `before` (unanswered past the timeout). */
  expiredHandoffs(before: Date, limit: number): Promise<Handoff[]>;
  countHandoffs(): Promise<{ status: HandoffStatus; count: number }[]>;
  /** Requests in a period, with when each was first answered (for the report). */
  handoffTimes(from: Date | undefined, to: Date | undefined): Promise<{ requestedAt: Date; answeredAt?: Date }[]>;
}

export interface OutreachStores {
  subscriptions: SubscriptionStore;
  broadcasts: BroadcastStore;
  handoffs: HandoffStore;
}
