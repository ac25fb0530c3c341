import type { Button, ChannelName, Inbound, InboundImage, Reply } from './messages.js';

/**
 * What the engine needs from the rest of the program, as interfaces: the core imports nothing outside
 * itself, and each port is implemented elsewhere (retrieval, participation, storage, dialog, scale).
 */

/** An answer from the knowledge base: the first phone screen, the rest behind a button. */
export interface AnswerFound {
  kind: 'answer';
  text: string;
  /** Further phone screens, for those who ask for more. */
  more?: string[];
  title: string;
  source: string;
  confidence: number;
}

/**
 * What the answerer made of a message: an answer; small talk, an out-of-scope request or a stray choice
 * (replied to, never sent to staff); or an in-scope question it cannot answer (sent to staff).
 */
export type AnswerResult = AnswerFound | { kind: 'smalltalk' | 'out_of_scope' | 'hint'; text: string } | { kind: 'unknown' };

/** Answers a free-text question from the knowledge base (or says it cannot). */
export interface Answerer {
  answer(question: string): Promise<AnswerResult>;
}

export type EventType =
  | 'contact'
  | 'question_answered'
  | 'question_unanswered'
  | 'quiz_started'
  | 'quiz_completed'
  | 'registration'
  | 'feedback_helpful'
  | 'feedback_unhelpful'
  | 'scam_check';

/** Why an answer did not help, in one tap: wrong topic, too long, not clear. */
export type FeedbackReason = 'topic' | 'long' | 'unclear';
export const FEEDBACK_REASONS: readonly FeedbackReason[] = ['topic', 'long', 'unclear'];

/** Details an activity attaches to a participation event. */
export interface EventDetails {
  quizId?: string;
  score?: number;
  total?: number;
  passed?: boolean;
  /** The quiz attempt; kept on the event only while nobody consented, so that the person can claim it. */
  attemptId?: string;
  /** A scam check's verdict and the kinds of signal found (never the message itself). */
  verdict?: string;
  signals?: readonly string[];
}

/**
 * Records participation. Anonymous counts are always kept; the person's pseudonymous key, organisation
 * and commune only when they consented.
 */
export interface Recorder {
  /** Stable per person, meaningless outside this deployment. */
  userKey(channel: ChannelName, userId: string): string;
  record(turn: Pick<Turn, 'inbound' | 'userKey'>, type: EventType, details?: EventDetails): Promise<void>;
  /** Keeps an unanswered question for staff (personal data masked), linked to the person's key so it can be erased. */
  unanswered(turn: Pick<Turn, 'inbound' | 'userKey'>, question: string): Promise<void>;
  /** Keeps why an answer from `topic` (the article's title) did not help; no words of the person. */
  feedbackReason(channel: ChannelName, topic: string, reason: FeedbackReason, at: Date): Promise<void>;
}

/** Conversation state by session id. */
export interface StateStore {
  getState(sessionId: string): Promise<Record<string, unknown> | undefined>;
  saveState(sessionId: string, state: Record<string, unknown>): Promise<void>;
}

/** Serialises work on one conversation across every instance of the bot. */
export interface SessionLock {
  run<T>(sessionId: string, work: () => Promise<T>): Promise<T>;
}

/** A node of the conversation flows: a reply the engine can give, or an action an activity performs. */
export interface DialogNode {
  name: string;
  payload?: string;
  text?: string;
  buttons?: 'menu' | Button[];
  action?: string;
}

/** The conversation flows and the text catalogue (content, loaded from flows/*.yaml). */
export interface Dialog {
  nodes(): Iterable<DialogNode>;
  node(name: string): DialogNode;
  /** The node a button payload or a typed command leads to. */
  find(input: { payload?: string; text?: string }): DialogNode | undefined;
  /** A catalogue text with {placeholders} filled. */
  text(key: string, vars?: Record<string, string | number>): string;
  menuButtons(): Button[];
  /** The menu's button leading to `node`, if the menu has one. */
  menuButtonTo(node: string): Button | undefined;
  reply(node: DialogNode, vars?: Record<string, string | number>): Reply;
}

/** What the dialogue remembers between messages: the engine's own flags, and one slot per activity. */
export interface ConversationState {
  /** Set once the greeting has been shown and the anonymous "reached" count recorded. */
  greeted?: boolean;
  /** Set when an answer asked "Câu trả lời có hữu ích không?", so each answer gets one vote. */
  awaitingFeedback?: boolean;
  /** Title of the article the last answer came from, for the reason of a "Chưa hữu ích". */
  feedbackTopic?: string;
  [slot: string]: unknown;
}

/** One inbound message being handled: what activities read and write. */
export interface Turn {
  inbound: Inbound;
  sessionId: string;
  /** Pseudonymous key of this user; stored only with consent. */
  userKey: string;
  state: ConversationState;
  replies: Reply[];
  /** Set when the turn asked the knowledge base: whether it had an answer. */
  answered?: boolean;
  /** Set by an activity that erased the person's data: the engine then does not save the state again. */
  forgotten?: boolean;
}

/** A multi-step activity (quiz, registration) plugged into the engine. */
export interface Activity {
  /** Button payloads `<prefix>:...` are routed here. */
  readonly prefix: string;
  /** Flow actions this activity performs. */
  readonly actions: readonly string[];
  run(turn: Turn, action: string): Promise<void>;
  onPayload(turn: Turn, payload: string): Promise<void>;
  /** Whether this activity is waiting for the user's typed answer. */
  awaitsText(state: ConversationState): boolean;
  /** Text typed while the activity waits; false hands the text back to the engine. */
  onText(turn: Turn, text: string): Promise<boolean>;
  /** The user went to the menu, help or their data: drop a pending question (a quiz stays resumable). */
  onLeave?(state: ConversationState): void;
  /** The conversation is held (with staff): typed text goes to `onText` before anything else; false hands it back. */
  holds?(state: ConversationState): boolean;
  /** After every turn, whatever handled it (a short transcript, an offer of help after repeated misses). */
  afterTurn?(turn: Turn): Promise<void>;
  /** A picture the person sent; true when handled (otherwise the engine says it reads only text). */
  onImage?(turn: Turn, image: InboundImage): Promise<boolean>;
  /** Free text about to go to the knowledge base; true when the activity took it instead (a forwarded message to check). */
  claimsText?(turn: Turn, text: string): Promise<boolean>;
}
