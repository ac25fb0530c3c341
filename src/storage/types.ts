import type { ChannelName } from '../core/messages.js';

/** A person's consented details, keyed by their pseudonymous key. */
export interface Profile {
  userKey: string;
  channel: ChannelName;
  consentAt: Date;
  organisation?: string;
  unit?: string;
}

export type { EventType } from '../core/ports.js';
import type { EventType } from '../core/ports.js';

/** Whom a request about personal data is about: the pseudonymous key, and the platform id it was made from. */
export interface Person {
  userKey: string;
  channel: ChannelName;
  userId: string;
}

/** What a retention run removed. */
export interface Purged {
  inbox: number;
  unanswered: number;
  conversations: number;
}

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
  /** Random id of a quiz attempt made before consent (so the person can claim it); null once claimed. */
  attemptId?: string | null;
  /** A scam check's verdict (scam, suspicious, no_sign) and the kinds of signal it found. */
  verdict?: string | null;
  signals?: readonly string[] | null;
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
  attemptId?: string | null;
}

/** One of the person's quiz results, as "Dữ liệu của tôi" lists them. */
export interface QuizResult {
  quizId: string;
  at: Date;
  score: number;
  total: number;
  passed: boolean;
  code?: string;
}

import type { FeedbackReason } from '../core/ports.js';
export type { FeedbackReason };

/** Why an answer did not help: the article it came from and one of a few reasons, never the citizen's words. */
export interface FeedbackReasonRecord { at: Date; channel: ChannelName; topic: string; reason: FeedbackReason }
export interface FeedbackReasonRow { topic: string; reasons: Record<FeedbackReason, number>; total: number }

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

/** A change staff made to what the bot knows, replayed by every instance in id order. */
export interface KnowledgeEdit {
  id: number;
  at: Date;
  author: string;
  /** A sample question for a section, a question marked out of scope, or the undoing of an earlier edit. */
  kind: 'sample' | 'out_of_scope' | 'undo';
  text: string | null;
  chunkId: string | null;
  undoes: number | null;
}
