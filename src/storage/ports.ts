import type { ChannelName } from '../core/messages.js';
import type { OutreachStores } from './outreach-ports.js';
import type {
  CompletionCode, EventFilter, FeedbackReasonRecord, FeedbackReasonRow, InboundItem, KnowledgeEdit, ParticipationEvent, PendingInbound, Person, Profile, Purged,
  QuizResult, StaffSession, StaffUser, StoredEvent, UnansweredQuestion,
} from './types.js';

/**
 * Narrow storage ports: each module is handed only the one it uses. One SQL store implements them all,
 * over SQLite (embedded default) or PostgreSQL (DATABASE_URL).
 */

/** What the dialogue remembers between messages, by session; a small JSON document. */
export interface ConversationStore {
  getState(sessionId: string): Promise<Record<string, unknown> | undefined>;
  saveState(sessionId: string, state: Record<string, unknown>): Promise<void>;
  deleteState(sessionId: string): Promise<void>;
  /** Moves states kept under former raw-id session ids to pseudonymous keys (once, at start). */
  rekeyLegacy(rekey: (legacyId: string) => string): Promise<number>;
}

/**
 * The inbox of platform messages: a webhook is acknowledged only once its event is stored here, and the
 * row stays `pending` until the message was handled, so a crash in between loses nothing.
 */
export interface InboxStore {
  /** Inserts the event if this (channel, message id) is new; false for a redelivery (the dedup point). */
  enqueueInbound(item: InboundItem): Promise<boolean>;
  /**
   * Takes the row for one more processing attempt: counts the attempt and leases the row for `leaseMs`, if
   * it is still pending with `attempts` attempts so far and no lease on it is running (compare-and-set: of two
   * runs taking the same row, one wins, and a leased row stays with its holder). False when done, taken or leased.
   */
  attemptInbound(channel: string, messageId: string, attempts: number, leaseMs: number): Promise<boolean>;
  /** Sets the lease of a row taken at attempt `attempts` to end `leaseMs` from now; 0 releases it. False when done or taken since. */
  renewInbound(channel: string, messageId: string, attempts: number, leaseMs: number): Promise<boolean>;
  /** Marks the message handled and drops its stored event and user id; the id stays to recognise redeliveries. */
  completeInbound(channel: string, messageId: string): Promise<void>;
  /** Messages not handled yet, per channel (for the inbox depth gauge). */
  countPending(): Promise<Record<string, number>>;
  /** A channel's pending messages without a running lease, received before `olderThan` (all when undefined), oldest first. */
  pendingInbound(channel: string, olderThan: Date | undefined, limit: number): Promise<PendingInbound[]>;
}

/** Consented profiles, participation events, unanswered questions and completion codes. */
export interface ParticipationStore {
  getProfile(userKey: string): Promise<Profile | undefined>;
  saveProfile(profile: Profile): Promise<void>;
  /**
   * Erases every row holding the person's key, platform id or words (profile, conversation state, unanswered
   * questions, messages in the inbox, subscription, contact, conversations with staff); events and completion codes
   * stay as anonymous counts. Returns the rows touched.
   */
  deletePersonalData(person: Person): Promise<number>;
  recordEvent(event: ParticipationEvent): Promise<void>;
  /** Streams matching events in time order, in pages, so exports of millions of rows stay small in memory. */
  iterateEvents(filter: EventFilter, pageSize?: number): AsyncIterable<StoredEvent>;
  countEvents(filter: EventFilter): Promise<number>;
  recordUnanswered(channel: ChannelName, text: string, at: Date, userKey: string): Promise<void>;
  /** The newest questions staff have not dealt with yet (see KnowledgeEditStore). */
  listUnanswered(limit: number): Promise<UnansweredQuestion[]>;
  saveCompletionCode(code: CompletionCode): Promise<void>;
  findCompletionCode(code: string): Promise<CompletionCode | undefined>;
  /** Ties the person's quiz attempts made before consent (events and codes still without a person) to their key. */
  claimAttempts(userKey: string, attemptIds: string[]): Promise<number>;
  /** Gives the person's events recorded without organisation or commune the ones they just registered. */
  fillAffiliation(userKey: string, organisation: string | undefined, unit: string | undefined): Promise<void>;
  /** The person's completed quizzes, newest first, with the completion code of those passed. */
  quizResults(userKey: string, limit: number): Promise<QuizResult[]>;
  recordFeedbackReason(r: FeedbackReasonRecord): Promise<void>;
  /** Reasons given in [from, to), counted by topic, most frequent first. */
  feedbackReasons(filter: Pick<EventFilter, 'from' | 'to'>, limit: number): Promise<FeedbackReasonRow[]>;
}

/** Staff accounts, their sessions and the audit log. */
export interface StaffStore {
  getStaffUser(username: string): Promise<StaffUser | undefined>;
  saveStaffUser(user: StaffUser): Promise<void>;
  listStaffUsers(): Promise<StaffUser[]>;
  createStaffSession(session: StaffSession): Promise<void>;
  getStaffSession(token: string): Promise<StaffSession | undefined>;
  deleteStaffSession(token: string): Promise<void>;
  /** Ends every open session of an account (its password was reset or it was disabled); returns how many. */
  deleteStaffSessionsOf(username: string): Promise<number>;
  logAudit(actor: string, action: string, detail: string): Promise<void>;
  listAudit(limit: number): Promise<{ at: Date; actor: string; action: string; detail: string }[]>;
}

/** Small shared key/value settings (tokens, secrets, counters). */
export interface SettingsStore {
  getSetting(key: string): Promise<string | undefined>;
  setSetting(key: string, value: string): Promise<void>;
  /** Sets key to `next` only if it currently holds `expected`; the building block for single-use tokens. */
  compareAndSetSetting(key: string, expected: string | undefined, next: string): Promise<boolean>;
}

/** Storage limitation: what is kept only for a while is purged once older than a cutoff. */
export interface RetentionStore {
  /**
   * Removes handled inbox rows, unanswered question texts, and the conversation state of people without a
   * consented profile, last touched before `cutoff`. Anonymous counts (events) stay.
   */
  purgeOlderThan(cutoff: Date): Promise<Purged>;
}

/** The whole store, as the composition root holds it. */
/** The staff loop's edits of the knowledge (sample questions, out-of-scope marks), kept in the database, not in files a deploy overwrites. */
export interface KnowledgeEditStore {
  /** Appends an edit and marks the unanswered questions it deals with as resolved, in one transaction. */
  addKnowledgeEdit(edit: Omit<KnowledgeEdit, 'id'>, resolves: number[]): Promise<void>;
  /** Edits with an id above `afterId`, in id order. */
  listKnowledgeEdits(afterId: number): Promise<KnowledgeEdit[]>;
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  readonly conversations: ConversationStore;
  readonly inbox: InboxStore;
  readonly participation: ParticipationStore;
  readonly staff: StaffStore;
  readonly settings: SettingsStore;
  readonly outreach: OutreachStores;
  readonly retention: RetentionStore;
  readonly knowledge: KnowledgeEditStore;
  migrate(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
