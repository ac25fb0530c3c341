import type { Inbound, InboundImage, Reply } from './messages.js';
import { payloadCodec } from './payload.js';
import { FEEDBACK_REASONS, type Activity, type Answerer, type ConversationState, type Dialog, type DialogNode, type FeedbackReason, type Recorder, type SessionLock, type StateStore, type Turn } from './ports.js';

export interface EngineDeps {
  dialog: Dialog;
  states: StateStore;
  answerer: Answerer;
  recorder: Recorder;
  activities: Activity[];
  /** Cross-instance serialisation of one conversation (Redis when scaled out). */
  lock: SessionLock;
  maxTextLength: number;
  /** Debug traces of decisions (never message text). */
  trace?: (fields: Record<string, unknown>, msg: string) => void;
}

export const ENGINE_TEXTS = [
  'answer.source', 'answer.feedback_question', 'answer.unknown', 'answer.more_button', 'feedback.thanks', 'button.helpful', 'button.unhelpful',
  'button.menu', 'feedback.why', 'feedback.noted', ...FEEDBACK_REASONS.map((r) => `feedback.reason_${r}` as const),
] as const;

/** Nodes the engine itself needs. */
export const ENGINE_NODES = ['greeting', 'menu', 'fallback', 'unsupported', 'too_long'] as const;

// Nodes that always work, even in the middle of a quiz or a registration.
const GLOBAL_NODES = new Set(['greeting', 'menu', 'help', 'my_data', 'delete_data', 'subscribe', 'unsubscribe', 'handoff', 'handoff_end']);

const answers = payloadCodec('FB', { yes: [], no: [], more: [], why: ['reason'] });

/** Turns one inbound message into replies. Knows nothing of platforms, storage or retrieval: only its ports. */
export class Engine {
  private queues = new Map<string, Promise<unknown>>();

  constructor(private deps: EngineDeps) {
    // A flow naming an action nobody performs is a content error: stop at start, not mid-conversation.
    for (const node of deps.dialog.nodes()) {
      if (node.action && !deps.activities.some((a) => a.actions.includes(node.action!))) {
        throw new Error(`flow node "${node.name}" uses action "${node.action}", which no activity performs`);
      }
    }
  }

  /** Messages of one user are handled strictly in order; different users in parallel. */
  handle(inbound: Inbound): Promise<Reply[]> {
    // Conversation state is stored under the pseudonymous key, never the platform's own id.
    const sessionId = this.deps.recorder.userKey(inbound.channel, inbound.userId);
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
    const { dialog, states, recorder } = this.deps;
    const state: ConversationState = (await states.getState(sessionId)) ?? {};
    const turn: Turn = { inbound, sessionId, userKey: sessionId, state, replies: [] };
    if (!state.greeted) {
      state.greeted = true;
      await recorder.record(turn, 'contact');
    }
    const text = inbound.text?.trim();
    if (text && text.length > this.deps.maxTextLength) {
      turn.replies.push(dialog.reply(dialog.node('too_long'), { length: text.length, max: this.deps.maxTextLength }));
    } else if (inbound.payload) {
      await this.onPayload(turn, inbound.payload);
    } else if (inbound.image) {
      await this.onImage(turn, inbound.image);
    } else if (text) {
      await this.onText(turn, text);
    } else if (inbound.start) {
      await this.enterNode(turn, dialog.node('greeting'));
    } else {
      turn.replies.push(dialog.reply(dialog.node(inbound.unsupported ? 'unsupported' : 'fallback')));
    }
    for (const a of this.deps.activities) await a.afterTurn?.(turn);
    // A turn that erased the person's data must not write their conversation back.
    if (!turn.forgotten) await states.saveState(sessionId, state);
    return turn.replies;
  }

  private async onPayload(turn: Turn, payload: string): Promise<void> {
    const node = this.deps.dialog.find({ payload });
    if (node) return this.enterNode(turn, node);
    const vote = answers.decode(payload);
    if (vote?.verb === 'more') return this.onMore(turn);
    if (vote?.verb === 'why') return this.onFeedbackReason(turn, vote.args.reason);
    if (vote) return this.onFeedback(turn, vote.verb === 'yes');
    const activity = this.deps.activities.find((a) => payload.startsWith(`${a.prefix}:`));
    if (activity) return activity.onPayload(turn, payload);
    turn.replies.push(this.deps.dialog.reply(this.deps.dialog.node('fallback')));
  }

  private async onText(turn: Turn, text: string): Promise<void> {
    // A conversation held by staff: its activity reads the text first and hands back only what the bot must still do.
    const holder = this.deps.activities.find((a) => a.holds?.(turn.state));
    if (holder && (await holder.onText(turn, text))) return;
    const node = this.deps.dialog.find({ text });
    if (node && GLOBAL_NODES.has(node.name)) return this.enterNode(turn, node);
    // The first activity waiting for an answer gets the text; if it is not an answer, it goes on as a question.
    const waiting = this.deps.activities.find((a) => a.awaitsText(turn.state));
    if (waiting && (await waiting.onText(turn, text))) return;
    if (node) return this.enterNode(turn, node);
    // A forwarded message to check for scams is not a question for the knowledge base.
    for (const a of this.deps.activities) if (await a.claimsText?.(turn, text)) return;
    await this.answerQuestion(turn, text);
  }

  /** A picture goes to the activity that reads pictures (the scam check); without one, the bot says it reads text only. */
  private async onImage(turn: Turn, image: InboundImage): Promise<void> {
    for (const a of this.deps.activities) if (await a.onImage?.(turn, image)) return;
    turn.replies.push(this.deps.dialog.reply(this.deps.dialog.node('unsupported')));
  }

  private async enterNode(turn: Turn, node: DialogNode): Promise<void> {
    // Leaving for the menu abandons a pending registration question; a quiz stays resumable.
    if (GLOBAL_NODES.has(node.name)) for (const a of this.deps.activities) a.onLeave?.(turn.state);
    if (!node.action) {
      turn.replies.push(this.deps.dialog.reply(node));
      return;
    }
    await this.deps.activities.find((a) => a.actions.includes(node.action!))!.run(turn, node.action);
  }

  private async answerQuestion(turn: Turn, question: string): Promise<void> {
    const { dialog, answerer, recorder } = this.deps;
    const result = await answerer.answer(question);
    // Only an in-scope question left unanswered counts as the bot failing (small talk and declines do not).
    turn.answered = result.kind !== 'unknown';
    if (result.kind === 'answer') {
      await recorder.record(turn, 'question_answered');
      turn.state.awaitingFeedback = true;
      turn.state.feedbackTopic = result.title;
      this.deps.trace?.({ confidence: result.confidence, title: result.title }, 'answered');
      this.sayAnswer(turn, result.text, result.source, result.more);
    } else if (result.kind === 'unknown') {
      await recorder.record(turn, 'question_unanswered');
      await recorder.unanswered(turn, question);
      const shown = question.length > 80 ? `${question.slice(0, 77)}...` : question;
      turn.replies.push({ text: dialog.text('answer.unknown', { question: shown }), buttons: dialog.menuButtons() });
    } else {
      // Small talk, an out-of-scope request or a stray choice: a reply of its own, nothing for staff.
      this.deps.trace?.({ kind: result.kind }, 'not a question');
      turn.replies.push(result.kind === 'smalltalk' ? { text: result.text } : { text: result.text, buttons: dialog.menuButtons() });
    }
  }

  /** An answer (or its continuation) with its source; further screens behind "Xem thêm", then the feedback question. */
  private sayAnswer(turn: Turn, text: string, source: string, more: string[] = []): void {
    const { dialog } = this.deps;
    if (more.length) turn.state.more = { pages: more, source };
    else delete turn.state.more;
    turn.replies.push({
      text: `${text}\n\n${dialog.text('answer.source', { source })}`,
      ...(more.length ? { buttons: [{ title: dialog.text('answer.more_button'), payload: answers.encode('more', {}) }] } : {}),
    });
    turn.replies.push({
      text: dialog.text('answer.feedback_question'),
      buttons: [
        { title: dialog.text('button.helpful'), payload: answers.encode('yes', {}) },
        { title: dialog.text('button.unhelpful'), payload: answers.encode('no', {}) },
        this.menuButton(),
      ],
    });
  }

  /** The one "Menu" button under an answer and under the feedback question. */
  private menuButton() {
    return { title: this.deps.dialog.text('button.menu'), payload: this.deps.dialog.node('menu').payload! };
  }

  /** "Xem thêm": the rest of the last answer, if there is one. */
  private onMore(turn: Turn): void {
    const more = turn.state.more as { pages: string[]; source: string } | undefined;
    if (!more?.pages.length) return void turn.replies.push(this.deps.dialog.reply(this.deps.dialog.node('fallback')));
    const [page, ...rest] = more.pages;
    this.sayAnswer(turn, page!, more.source, rest);
  }

  private async onFeedback(turn: Turn, helpful: boolean): Promise<void> {
    // One vote per answer: a second press, or a press on an old answer's buttons, is thanked but not counted.
    if (turn.state.awaitingFeedback) {
      delete turn.state.awaitingFeedback;
      await this.deps.recorder.record(turn, helpful ? 'feedback_helpful' : 'feedback_unhelpful');
    }
    const { dialog } = this.deps;
    if (helpful || !turn.state.feedbackTopic) {
      delete turn.state.feedbackTopic;
      return void turn.replies.push({ text: dialog.text('feedback.thanks'), buttons: dialog.menuButtons() });
    }
    // What was missing, in one tap, kept with the answer's article for staff.
    turn.replies.push({
      text: dialog.text('feedback.why'),
      buttons: [
        ...FEEDBACK_REASONS.map((reason) => ({ title: dialog.text(`feedback.reason_${reason}`), payload: answers.encode('why', { reason }) })),
        this.menuButton(),
      ],
    });
  }

  private async onFeedbackReason(turn: Turn, reason: string): Promise<void> {
    const topic = turn.state.feedbackTopic;
    delete turn.state.feedbackTopic;
    if (topic && (FEEDBACK_REASONS as readonly string[]).includes(reason)) {
      await this.deps.recorder.feedbackReason(turn.inbound.channel, topic, reason as FeedbackReason, turn.inbound.receivedAt);
    }
    turn.replies.push({ text: this.deps.dialog.text('feedback.noted'), buttons: this.deps.dialog.menuButtons() });
  }
}
