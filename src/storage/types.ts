import type { ChannelName } from '../core/messages.js';

/** What the dialogue remembers between messages; small, JSON-serialisable. */
export interface ConversationState {
  /** Set once the greeting has been shown and the anonymous "reached" count recorded. */
  greeted?: boolean;
  /** A question the bot is waiting for (registration step, delete confirmation). */
  mode?: RegisterMode | ConfirmDeleteMode;
  /** The quiz attempt in progress; kept apart from `mode` so a detour to the menu can resume it. */
  quiz?: QuizProgress;
  /** Set when an answer asked "Câu trả lời có hữu ích không?", so each answer gets one vote. */
  awaitingFeedback?: boolean;
  /** Time of the last inbound message (ms), for platform messaging windows. */
  lastSeenAt?: number;
}

export interface QuizProgress {
  quizId: string;
  attemptId: string;
  /** Question indexes in this attempt's shuffled order. */
  order: number[];
  /** Per position in `order`: the question's option indexes in the order shown. */
  optionOrder?: number[][];
  /** Position in `order` of the question being asked. */
  position: number;
  correct: number;
}
export interface RegisterMode {
  kind: 'register';
  step: 'consent' | 'organisation' | 'unit';
}
export interface ConfirmDeleteMode {
  kind: 'confirm-delete';
}

/** A person's consented details, keyed by their pseudonymous key. */
export interface Profile {
  userKey: string;
  channel: ChannelName;
  consentAt: Date;
  organisation?: string;
  unit?: string;
}

export type EventType =
  | 'contact'
  | 'question_answered'
  | 'question_unanswered'
  | 'quiz_started'
  | 'quiz_completed'
  | 'registration'
  | 'feedback_helpful'
  | 'feedback_unhelpful';

/** One participation record. userKey, organisation and unit are set only with consent. */
export interface ParticipationEvent {
  at: Date;
  type: EventType;
  channel: ChannelName;
  userKey?: string | null;
  organisation?: string | null;
  unit?: string | null;
  quizId?: string | null;
  score?: number | null;
  total?: number | null;
  passed?: boolean | null;
}

export interface StoredEvent extends ParticipationEvent {
  id: number;
}

export interface EventFilter {
  from?: Date;
  to?: Date;
  organisation?: string;
  unit?: string;
  channel?: string;
}

export interface UnansweredQuestion {
  id: number;
  at: Date;
  channel: ChannelName;
  text: string;
}

export interface CompletionCode {
  code: string;
  quizId: string;
  score: number;
  total: number;
  at: Date;
  userKey?: string | null;
}

export interface StaffUser {
  username: string;
  passwordHash: string;
  role: 'admin' | 'viewer';
  organisation?: string | null;
}

export interface StaffSession {
  token: string;
  username: string;
  expiresAt: Date;
}

/** One acknowledged platform message, as the inbox keeps it until it was handled. */
export interface InboundItem {
  channel: string;
  messageId: string;
  userId: string;
  /** The platform event as JSON text: what the channel needs to rebuild the message. */
  event: string;
  receivedAt: Date;
}

export interface PendingInbound extends InboundItem {
  /** Processing attempts started so far (a crash mid-way leaves the count behind). */
  attempts: number;
}

/**
 * The one storage interface. Async so that the PostgreSQL implementation fits the same callers;
 * the SQLite one answers synchronously underneath.
 */
export interface Storage {
  readonly kind: 'sqlite' | 'postgres';
  migrate(): Promise<void>;
  close(): Promise<void>;
  ping(): Promise<void>;

  getState(sessionId: string): Promise<ConversationState | undefined>;
  saveState(sessionId: string, state: ConversationState): Promise<void>;
  deleteState(sessionId: string): Promise<void>;

  /**
   * The inbox of platform messages: a webhook is acknowledged only once its event is stored here, and the
   * row stays `pending` until the message was handled, so a crash in between loses nothing.
   * Inserts the event if this (channel, message id) is new; false for a redelivery (the dedup point).
   */
  enqueueInbound(item: InboundItem): Promise<boolean>;
  /**
   * Takes the row for one more processing attempt: counts the attempt and leases the row for `leaseMs`,
   * if it is still pending with `attempts` attempts so far and no lease on it is running (compare-and-set:
   * of two runs taking the same row, one wins, and a leased row stays with its holder). False when it is
   * done, taken, or leased.
   */
  attemptInbound(channel: string, messageId: string, attempts: number, leaseMs: number): Promise<boolean>;
  /**
   * Sets the lease of a row taken at attempt `attempts` (the count after the take) to end `leaseMs` from now;
   * 0 releases it. False when the row is done or another run has taken it since.
   */
  renewInbound(channel: string, messageId: string, attempts: number, leaseMs: number): Promise<boolean>;
  /** Marks the message handled and drops its stored event and user id; the id stays to recognise redeliveries. */
  completeInbound(channel: string, messageId: string): Promise<void>;
  /** A channel's pending messages without a running lease, received before `olderThan` (all when undefined), oldest first. */
  pendingInbound(channel: string, olderThan: Date | undefined, limit: number): Promise<PendingInbound[]>;

  getProfile(userKey: string): Promise<Profile | undefined>;
  saveProfile(profile: Profile): Promise<void>;
  /** Deletes the profile and every per-person record of this key; returns how many rows went. */
  deletePersonalData(userKey: string): Promise<number>;

  recordEvent(event: ParticipationEvent): Promise<void>;
  /** Streams matching events in time order, in pages, so exports of millions of rows stay small in memory. */
  iterateEvents(filter: EventFilter, pageSize?: number): AsyncIterable<StoredEvent>;
  countEvents(filter: EventFilter): Promise<number>;

  recordUnanswered(channel: ChannelName, text: string, at: Date): Promise<void>;
  listUnanswered(limit: number): Promise<UnansweredQuestion[]>;

  saveCompletionCode(code: CompletionCode): Promise<void>;
  findCompletionCode(code: string): Promise<CompletionCode | undefined>;

  getSetting(key: string): Promise<string | undefined>;
  setSetting(key: string, value: string): Promise<void>;
  /** Sets key to `next` only if it currently holds `expected`; the building block for single-use tokens. */
  compareAndSetSetting(key: string, expected: string | undefined, next: string): Promise<boolean>;

  getStaffUser(username: string): Promise<StaffUser | undefined>;
  saveStaffUser(user: StaffUser): Promise<void>;
  createStaffSession(session: StaffSession): Promise<void>;
  getStaffSession(token: string): Promise<StaffSession | undefined>;
  deleteStaffSession(token: string): Promise<void>;
  logAudit(actor: string, action: string, detail: string): Promise<void>;
  listAudit(limit: number): Promise<{ at: Date; actor: string; action: string; detail: string }[]>;
}
