import type { Logger } from '../log.js';
import type { Flows, FlowNode } from '../dialog/flows.js';
import type { Participation } from '../participation/recorder.js';
import type { ConversationState, Storage } from '../storage/types.js';
import type { Inbound, Reply } from './messages.js';
import type { SessionLock } from '../scale/session-lock.js';
import { redactPersonalData } from '../participation/redact.js';

export interface AnswerFound {
  found: true;
  text: string;
  title: string;
  source: string;
  confidence: number;
}
export type AnswerResult = AnswerFound | { found: false };

/** Answers a free-text question from the knowledge base (or says it cannot). */
export interface Answerer {
  answer(question: string): Promise<AnswerResult>;
}

/** One inbound message being handled: what activities read and write. */
export interface Turn {
  inbound: Inbound;
  sessionId: string;
  /** Pseudonymous key of this user; stored only with consent. */
  userKey: string;
  state: ConversationState;
  replies: Reply[];
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
}

export interface EngineDeps {
  flows: Flows;
  storage: Storage;
  answerer: Answerer;
  participation: Participation;
  activities: Activity[];
  /** Cross-instance serialisation of one conversation (Redis when scaled out). */
  lock: SessionLock;
  maxTextLength: number;
  log: Logger;
}

export const ENGINE_TEXTS = ['answer.source', 'answer.feedback_question', 'answer.unknown', 'feedback.thanks', 'button.helpful', 'button.unhelpful', 'button.menu'] as const;

// Nodes that always work, even in the middle of a quiz or a registration.
const GLOBAL_NODES = new Set(['greeting', 'menu', 'help', 'my_data', 'delete_data']);

/** Turns one inbound message into replies. Knows nothing of platforms. */
export class Engine {
  private queues = new Map<string, Promise<unknown>>();

  constructor(private deps: EngineDeps) {
    // A flow naming an action nobody performs is a content error: stop at start, not mid-conversation.
    for (const node of deps.flows.nodes.values()) {
      if (node.action && !deps.activities.some((a) => a.actions.includes(node.action!))) {
        throw new Error(`flow node "${node.name}" uses action "${node.action}", which no activity performs`);
      }
    }
  }

  /** Messages of one user are handled strictly in order; different users in parallel. */
  handle(inbound: Inbound): Promise<Reply[]> {
    const sessionId = `${inbound.channel}:${inbound.userId}`;
    const previous = this.queues.get(sessionId) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.deps.lock.run(sessionId, () => this.process(sessionId, inbound)));
    this.queues.set(sessionId, next);
    void next.finally(() => {
      if (this.queues.get(sessionId) === next) this.queues.delete(sessionId);
    }).catch(() => undefined);
    return next;
  }

  /** Resolves once every queued message has been handled (used at shutdown). */
  async drain(): Promise<void> {
    while (this.queues.size) await Promise.allSettled([...this.queues.values()]);
  }

  private async process(sessionId: string, inbound: Inbound): Promise<Reply[]> {
    const { flows, storage, participation } = this.deps;
    const state: ConversationState = (await storage.getState(sessionId)) ?? {};
    const turn: Turn = { inbound, sessionId, userKey: participation.userKey(inbound), state, replies: [] };
    state.lastSeenAt = inbound.receivedAt.getTime();

    if (!state.greeted) {
      state.greeted = true;
      await participation.record(turn, 'contact');
    }

    const text = inbound.text?.trim();
    if (text && text.length > this.deps.maxTextLength) {
      turn.replies.push(flows.reply(flows.node('too_long'), { length: text.length, max: this.deps.maxTextLength }));
    } else if (inbound.payload) {
      await this.onPayload(turn, inbound.payload);
    } else if (text) {
      await this.onText(turn, text);
    } else if (inbound.unsupported) {
      turn.replies.push(flows.reply(flows.node('unsupported')));
    } else {
      turn.replies.push(flows.reply(flows.node('fallback')));
    }

    await storage.saveState(sessionId, state);
    return turn.replies;
  }

  private async onPayload(turn: Turn, payload: string): Promise<void> {
    const node = this.deps.flows.byPayloadOrTrigger({ payload });
    if (node) return this.enterNode(turn, node);
    if (payload.startsWith('FB:')) return this.onFeedback(turn, payload);
    const activity = this.deps.activities.find((a) => payload.startsWith(`${a.prefix}:`));
    if (activity) return activity.onPayload(turn, payload);
    turn.replies.push(this.deps.flows.reply(this.deps.flows.node('fallback')));
  }

  private async onText(turn: Turn, text: string): Promise<void> {
    const node = this.deps.flows.byPayloadOrTrigger({ text });
    if (node && GLOBAL_NODES.has(node.name)) return this.enterNode(turn, node);
    for (const activity of this.deps.activities) {
      if (activity.awaitsText(turn.state) && (await activity.onText(turn, text))) return;
    }
    if (node) return this.enterNode(turn, node);
    await this.answerQuestion(turn, text);
  }

  private async enterNode(turn: Turn, node: FlowNode): Promise<void> {
    // Leaving for the menu abandons a pending registration question; a quiz stays resumable.
    if (GLOBAL_NODES.has(node.name)) delete turn.state.mode;
    if (!node.action) {
      turn.replies.push(this.deps.flows.reply(node));
      return;
    }
    await this.deps.activities.find((a) => a.actions.includes(node.action!))!.run(turn, node.action);
  }

  private async answerQuestion(turn: Turn, question: string): Promise<void> {
    const { flows, answerer, participation, storage, log } = this.deps;
    const result = await answerer.answer(question);
    if (result.found) {
      await participation.record(turn, 'question_answered');
      turn.state.awaitingFeedback = true;
      log.debug({ confidence: result.confidence, title: result.title }, 'answered');
      turn.replies.push({ text: `${result.text}\n\n${flows.text('answer.source', { source: result.source })}` });
      turn.replies.push({
        text: flows.text('answer.feedback_question'),
        buttons: [
          { title: flows.text('button.helpful'), payload: 'FB:yes' },
          { title: flows.text('button.unhelpful'), payload: 'FB:no' },
          { title: flows.text('button.menu'), payload: 'MENU' },
        ],
      });
    } else {
      await participation.record(turn, 'question_unanswered');
      await storage.recordUnanswered(turn.inbound.channel, redactPersonalData(question), turn.inbound.receivedAt);
      const shown = question.length > 80 ? `${question.slice(0, 77)}...` : question;
      turn.replies.push({ text: flows.text('answer.unknown', { question: shown }), buttons: flows.menuButtons() });
    }
  }

  private async onFeedback(turn: Turn, payload: string): Promise<void> {
    // One vote per answer: a second press, or a press on an old answer's buttons, is thanked but not counted.
    if (turn.state.awaitingFeedback) {
      delete turn.state.awaitingFeedback;
      await this.deps.participation.record(turn, payload === 'FB:yes' ? 'feedback_helpful' : 'feedback_unhelpful');
    }
    turn.replies.push({ text: this.deps.flows.text('feedback.thanks'), buttons: this.deps.flows.menuButtons() });
  }
}
