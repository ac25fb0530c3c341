import crypto from 'node:crypto';
import type { Button } from '../core/messages.js';
import { payloadCodec } from '../core/payload.js';
import type { Activity, ConversationState, Dialog, Recorder, Turn } from '../core/ports.js';
import { noteUnclaimedAttempt } from '../core/unclaimed.js';
import type { ParticipationStore } from '../storage/ports.js';
import { fold, matchKey } from '../text/vietnamese.js';
import type { Quiz, QuizQuestion } from './bank.js';

const LETTERS = ['A', 'B', 'C', 'D'];

export const quizPayloads = payloadCodec('QZ', { start: ['quizId'], resume: [], a: ['attempt', 'position', 'option'] });

/** A quiz attempt in progress, kept in the conversation state's `quiz` slot (apart from other questions, so a detour can resume it). */
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
const progressOf = (state: ConversationState) => state.quiz as QuizProgress | undefined;

export const QUIZ_TEXTS = [
  'quiz.choose', 'quiz.resume_button', 'quiz.start', 'quiz.question', 'quiz.correct', 'quiz.wrong', 'quiz.source', 'quiz.stale',
  'quiz.not_understood', 'quiz.finished', 'quiz.passed', 'quiz.failed', 'quiz.register_hint', 'quiz.retake_button',
  'quiz.other_button', 'quiz.unknown', 'quiz.wrong_true_false',
] as const;

function shuffle(n: number): number[] {
  const a = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = crypto.randomInt(i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

function isTrueFalse(options: string[]): boolean {
  return options.length === 2 && matchKey(options[0]!) === 'dung' && matchKey(options[1]!) === 'sai';
}

/** Completion codes are short, unambiguous (no 0/O, 1/I) and unguessable. */
function completionCode(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const pick = () => Array.from({ length: 4 }, () => alphabet[crypto.randomInt(alphabet.length)]).join('');
  return `BDHVS-${pick()}-${pick()}`;
}

/**
 * Typed answers: "B", "b", "2", "câu b", or the option's text with or without tone marks.
 * Returns the option index, or undefined when the text is not an answer.
 */
export function parseTypedAnswer(text: string, options: string[]): number | undefined {
  const key = matchKey(text).replace(/^(dap an|chon|cau|y)\s+/, '');
  const letter = LETTERS.findIndex((l) => fold(l) === key);
  if (letter >= 0 && letter < options.length) return letter;
  const n = Number(key);
  if (Number.isInteger(n) && n >= 1 && n <= options.length) return n - 1;
  // Exact text first ("dichvucong.gov.vn" vs "dichvucong-gov.vn" differ only in punctuation), then loosely.
  const exact = options.findIndex((o) => fold(o).trim() === fold(text).trim());
  if (exact >= 0) return exact;
  const loose = options.map((o, i) => (matchKey(o) === key ? i : -1)).filter((i) => i >= 0);
  if (loose.length === 1) return loose[0];
  // A long enough start of one option only ("cup may" for "Cúp máy, không chuyển tiền...").
  const partial = options.map((o, i) => (key.length >= 4 && matchKey(o).startsWith(key) ? i : -1)).filter((i) => i >= 0);
  return partial.length === 1 ? partial[0] : undefined;
}

export class QuizActivity implements Activity {
  readonly prefix = quizPayloads.prefix;
  readonly actions = ['quiz.list'] as const;
  private byId: Map<string, Quiz>;

  constructor(
    private quizzes: Quiz[],
    private deps: { dialog: Dialog; store: ParticipationStore; recorder: Recorder; passRatio: number },
  ) {
    this.byId = new Map(quizzes.map((q) => [q.id, q]));
  }

  awaitsText(state: ConversationState): boolean {
    return Boolean(state.quiz);
  }

  async run(turn: Turn): Promise<void> {
    const { dialog } = this.deps;
    const buttons: Button[] = this.quizzes.map((q) => ({ title: q.title, payload: quizPayloads.encode('start', { quizId: q.id }) }));
    const progress = progressOf(turn.state);
    if (progress && this.byId.has(progress.quizId)) buttons.unshift({ title: dialog.text('quiz.resume_button'), payload: quizPayloads.encode('resume', {}) });
    turn.replies.push({ text: dialog.text('quiz.choose', { count: this.questionCount() }), buttons });
  }

  async onPayload(turn: Turn, payload: string): Promise<void> {
    const p = quizPayloads.decode(payload);
    if (p?.verb === 'start') return this.start(turn, p.args.quizId);
    if (p?.verb === 'resume') return this.ask(turn);
    if (p?.verb === 'a') {
      const progress = progressOf(turn.state);
      if (!progress) return this.run(turn);
      if (progress.attemptId !== p.args.attempt || progress.position !== Number(p.args.position)) {
        turn.replies.push({ text: this.deps.dialog.text('quiz.stale') });
        return this.ask(turn);
      }
      return this.answer(turn, Number(p.args.option));
    }
    return this.run(turn);
  }

  async onText(turn: Turn, text: string): Promise<boolean> {
    const q = this.current(turn.state);
    if (!q) return false;
    const choice = parseTypedAnswer(text, q.options);
    if (choice === undefined) return false;
    await this.answer(turn, choice);
    return true;
  }

  /** "12", or "10–12" when the quizzes differ in length: what the menu promises. */
  private questionCount(): string {
    const counts = this.quizzes.map((q) => q.questions.length);
    const [min, max] = [Math.min(...counts), Math.max(...counts)];
    return min === max ? String(min) : `${min}–${max}`;
  }

  /** The question being asked, with its options in the order shown in this attempt and the right one's place. */
  private current(state: ConversationState): { quiz: Quiz; question: QuizQuestion; progress: QuizProgress; options: string[]; right: number } | undefined {
    const progress = progressOf(state);
    const quiz = progress && this.byId.get(progress.quizId);
    const index = progress?.order[progress.position];
    const question = quiz && index !== undefined ? quiz.questions[index] : undefined;
    if (!quiz || !question || !progress) return undefined;
    const shown = progress.optionOrder?.[progress.position] ?? question.options.map((_, i) => i);
    return { quiz, question, progress, options: shown.map((i) => question.options[i]!), right: shown.indexOf(question.answer - 1) };
  }

  private async start(turn: Turn, quizId: string): Promise<void> {
    const quiz = this.byId.get(quizId);
    if (!quiz) {
      turn.replies.push({ text: this.deps.dialog.text('quiz.unknown') });
      return this.run(turn);
    }
    const order = shuffle(quiz.questions.length);
    // Options are shuffled too, so neighbours in a meeting cannot share "the answer is B"; Đúng/Sai keeps its order.
    const optionOrder = order.map((q) => {
      const options = quiz.questions[q]!.options;
      return isTrueFalse(options) ? options.map((_, i) => i) : shuffle(options.length);
    });
    const attemptId = crypto.randomBytes(8).toString('hex');
    turn.state.quiz = { quizId, attemptId, order, optionOrder, position: 0, correct: 0 } satisfies QuizProgress;
    if (!(await this.deps.store.getProfile(turn.userKey))) noteUnclaimedAttempt(turn.state, attemptId);
    await this.deps.recorder.record(turn, 'quiz_started', { quizId, attemptId });
    turn.replies.push({ text: this.deps.dialog.text('quiz.start', { title: quiz.title, intro: quiz.intro }) });
    await this.ask(turn);
  }

  private async ask(turn: Turn): Promise<void> {
    const c = this.current(turn.state);
    if (!c) {
      delete turn.state.quiz;
      return this.run(turn);
    }
    const { quiz, question, progress, options } = c;
    // A statement to judge gets "Đúng" / "Sai" buttons; a question with options gets their letters.
    const trueFalse = isTrueFalse(options);
    const head = this.deps.dialog.text('quiz.question', { n: progress.position + 1, total: quiz.questions.length, question: question.question });
    turn.replies.push({
      text: trueFalse ? head : `${head}\n${options.map((o, i) => `${LETTERS[i]}. ${o}`).join('\n')}`,
      buttons: options.map((o, i) => ({
        title: trueFalse ? o : LETTERS[i]!, payload: quizPayloads.encode('a', { attempt: progress.attemptId, position: String(progress.position), option: String(i) }),
      })),
    });
  }

  private async answer(turn: Turn, option: number): Promise<void> {
    const { dialog } = this.deps;
    const c = this.current(turn.state)!;
    const { quiz, question, progress, options } = c;
    const right = option === c.right;
    if (right) progress.correct++;
    const feedback = right
      ? dialog.text('quiz.correct', { explanation: question.explanation })
      : isTrueFalse(options)
        ? dialog.text('quiz.wrong_true_false', { option: options[c.right]!.toLowerCase(), explanation: question.explanation })
        : dialog.text('quiz.wrong', { letter: LETTERS[c.right]!, option: options[c.right]!, explanation: question.explanation });
    turn.replies.push({ text: `${feedback}\n${dialog.text('quiz.source', { source: question.source ?? quiz.source })}` });
    progress.position++;
    if (progress.position < progress.order.length) return this.ask(turn);
    await this.finish(turn, quiz, progress);
  }

  private async finish(turn: Turn, quiz: Quiz, progress: QuizProgress): Promise<void> {
    const { dialog, store, recorder, passRatio } = this.deps;
    const total = quiz.questions.length;
    const needed = Math.ceil(passRatio * total);
    const passed = progress.correct >= needed;
    delete turn.state.quiz;
    await recorder.record(turn, 'quiz_completed', { quizId: quiz.id, score: progress.correct, total, passed, attemptId: progress.attemptId });
    const lines = [dialog.text('quiz.finished', { score: progress.correct, total, percent: Math.round((100 * progress.correct) / total) })];
    const profile = await store.getProfile(turn.userKey);
    if (passed) {
      const code = completionCode();
      await store.saveCompletionCode({
        code, quizId: quiz.id, score: progress.correct, total, at: turn.inbound.receivedAt, userKey: profile ? turn.userKey : null, attemptId: profile ? null : progress.attemptId,
      });
      lines.push(dialog.text('quiz.passed', { code }));
    } else {
      lines.push(dialog.text('quiz.failed', { needed }));
    }
    const buttons: Button[] = [
      { title: dialog.text('quiz.retake_button'), payload: quizPayloads.encode('start', { quizId: quiz.id }) },
      { title: dialog.text('quiz.other_button'), payload: dialog.node('quiz').payload! },
    ];
    if (!profile) {
      lines.push(dialog.text('quiz.register_hint'));
      const register = dialog.menuButtonTo('register');
      if (register) buttons.push(register);
    }
    buttons.push({ title: dialog.text('button.menu'), payload: dialog.node('menu').payload! });
    turn.replies.push({ text: lines.join('\n\n'), buttons });
  }
}
