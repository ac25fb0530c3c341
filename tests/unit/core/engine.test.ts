import { beforeEach, describe, expect, it } from 'vitest';
import { Engine, ENGINE_TEXTS } from '../../../src/core/engine.js';
import type { Inbound } from '../../../src/core/messages.js';
import type { Activity, AnswerResult, Answerer, ConversationState, SessionLock, Turn } from '../../../src/core/ports.js';
import { Flows } from '../../../src/dialog/flows.js';
import { localLock } from '../../../src/scale/session-lock.js';
import { deferred, FakeRecorder, flush, MemoryStates } from '../../helpers/fakes.js';

// The engine with its ports faked: the real flows (content), a scripted answerer, in-memory state and a
// recorder that lists what it was told. Activities are hand fakes that say what they were asked to do.

const dialog = Flows.load('flows', ENGINE_TEXTS);

class FakeActivity implements Activity {
  readonly calls: string[] = [];
  waiting = false;
  /** What onText answers: true takes the text. */
  takes = true;

  constructor(readonly prefix: string, readonly actions: readonly string[]) {}

  async run(turn: Turn, action: string) {
    this.calls.push(`run ${action}`);
    turn.replies.push({ text: `${this.prefix} ran ${action}` });
  }

  async onPayload(turn: Turn, payload: string) {
    this.calls.push(`payload ${payload}`);
    turn.replies.push({ text: `${this.prefix} got ${payload}` });
  }

  awaitsText(): boolean {
    return this.waiting;
  }

  async onText(turn: Turn, text: string) {
    this.calls.push(`text ${text}`);
    if (this.takes) turn.replies.push({ text: `${this.prefix} took ${text}` });
    return this.takes;
  }

  onLeave(state: ConversationState) {
    this.calls.push('leave');
    this.waiting = false;
    state[this.prefix] = 'left';
  }
}

/** Answers questions that mention "vneid"; `hold` keeps a question unanswered until released. */
class FakeAnswerer implements Answerer {
  readonly asked: string[] = [];
  readonly held = new Map<string, ReturnType<typeof deferred<void>>>();

  async answer(question: string): Promise<AnswerResult> {
    this.asked.push(question);
    await this.held.get(question)?.promise;
    if (/dài/i.test(question)) return { kind: 'answer', text: 'Trang một.', more: ['Trang hai.', 'Trang ba.'], title: 'Dài', source: 'Nguồn dài', confidence: 0.9 };
    if (/vneid/i.test(question)) return { kind: 'answer', text: 'VNeID mức 2 đăng ký tại công an xã.', title: 'VNeID', source: 'Bộ Công an', confidence: 0.9 };
    if (/cảm ơn/i.test(question)) return { kind: 'smalltalk', text: 'Không có gì ạ!' };
    if (/thời tiết/i.test(question)) return { kind: 'out_of_scope', text: 'Xin lỗi, tôi không có thông tin thời tiết.' };
    return { kind: 'unknown' };
  }

  hold(question: string) {
    const d = deferred();
    this.held.set(question, d);
    return d;
  }
}

let states: MemoryStates;
let recorder: FakeRecorder;
let answerer: FakeAnswerer;
let quiz: FakeActivity;
let profile: FakeActivity;
let outreach: FakeActivity;
let engine: Engine;
const at = new Date(Date.UTC(2026, 2, 3, 2, 0));

function build(lock: SessionLock = localLock) {
  engine = new Engine({ dialog, states, answerer, recorder, activities: [profile, quiz, outreach], lock, maxTextLength: 50 });
}

beforeEach(() => {
  states = new MemoryStates();
  recorder = new FakeRecorder();
  answerer = new FakeAnswerer();
  profile = new FakeActivity('REG', ['register.start', 'data.show', 'data.delete']);
  quiz = new FakeActivity('QZ', ['quiz.list']);
  outreach = new FakeActivity('OUT', ['outreach.subscribe', 'outreach.unsubscribe', 'handoff.request', 'handoff.end', 'scam.start']);
  build();
});

const send = (input: Partial<Inbound>, userId = 'u1') => engine.handle({ channel: 'zalo', userId, receivedAt: at, ...input });
const texts = (replies: { text: string }[]) => replies.map((r) => r.text);

describe('Engine', () => {
  it('refuses to start with a flow action no activity performs', () => {
    expect(() => new Engine({ dialog, states, answerer, recorder, activities: [quiz], lock: localLock, maxTextLength: 50 }))
      .toThrow(/action "register.start"/);
  });

  it('greets a start with the greeting and the menu; records the first contact once', async () => {
    const [greeting] = await send({ start: true });
    expect(greeting).toEqual(dialog.reply(dialog.node('greeting')));
    expect(greeting!.buttons!.map((b) => b.payload)).toEqual(['ASK', 'SCAM', 'QUIZ', 'REGISTER', 'SUBSCRIBE', 'HANDOFF', 'HELP', 'UNSUBSCRIBE']);
    await send({ text: 'menu' });
    await send({ start: true });
    expect(recorder.events).toEqual([{ type: 'contact', userKey: 'key-zalo-u1' }]);
    await send({ text: 'menu' }, 'u2');
    expect(recorder.types()).toEqual(['contact', 'contact']);
    expect(JSON.parse(states.saved.get('key-zalo-u1')!)).toMatchObject({ greeted: true });
  });

  it('refuses a text over maxTextLength politely, without asking anyone', async () => {
    const long = 'a'.repeat(51);
    expect(await send({ text: long })).toEqual([dialog.reply(dialog.node('too_long'), { length: 51, max: 50 })]);
    expect(answerer.asked).toEqual([]);
    // Measured after trimming: spaces around a short text do not count.
    await send({ text: `  ${'vneid '.repeat(8).trim()}   ` });
    expect(answerer.asked).toHaveLength(1);
  });

  it('routes a payload to its node, a node\'s action to its activity, a prefix to its activity, else the fallback', async () => {
    expect(await send({ payload: 'HELP' })).toEqual([dialog.reply(dialog.node('help'))]);
    expect(texts(await send({ payload: 'QUIZ' }))).toEqual(['QZ ran quiz.list']);
    expect(texts(await send({ payload: 'DELETE_DATA' }))).toEqual(['REG ran data.delete']);
    expect(texts(await send({ payload: 'QZ:a:1:0:2' }))).toEqual(['QZ got QZ:a:1:0:2']);
    expect(texts(await send({ payload: 'REG:org:doan' }))).toEqual(['REG got REG:org:doan']);
    expect(await send({ payload: 'QZX:1' })).toEqual([dialog.reply(dialog.node('fallback'))]);
    expect(await send({ payload: 'old-button' })).toEqual([dialog.reply(dialog.node('fallback'))]);
    expect(quiz.calls.filter((c) => c !== 'leave')).toEqual(['run quiz.list', 'payload QZ:a:1:0:2']);
  });

  it('answers stickers as unsupported and an empty message with the fallback', async () => {
    expect(await send({ unsupported: true })).toEqual([dialog.reply(dialog.node('unsupported'))]);
    expect(await send({ text: '   ' })).toEqual([dialog.reply(dialog.node('fallback'))]);
  });

  it('gives typed text to the first activity waiting for it, and only to that one', async () => {
    profile.waiting = true;
    quiz.waiting = true;
    expect(texts(await send({ text: 'Hội Nông dân' }))).toEqual(['REG took Hội Nông dân']);
    expect(quiz.calls).toEqual([]);
    expect(answerer.asked).toEqual([]);
  });

  it('goes on with text the waiting activity does not take: a node\'s trigger, else a question', async () => {
    quiz.waiting = true;
    quiz.takes = false;
    expect(await send({ text: 'hỏi đáp' })).toEqual([dialog.reply(dialog.node('ask'))]);
    await send({ text: 'vneid là gì' });
    expect(quiz.calls).toEqual(['text hỏi đáp', 'text vneid là gì']);
    expect(answerer.asked).toEqual(['vneid là gì']);
  });

  it('a global node typed while an activity waits wins, and every activity is told to leave', async () => {
    profile.waiting = true;
    quiz.waiting = true;
    expect(await send({ text: 'Menu' })).toEqual([dialog.reply(dialog.node('menu'))]);
    expect(profile.calls).toEqual(['leave']);
    expect(quiz.calls).toEqual(['leave']);
    expect(JSON.parse(states.saved.get('key-zalo-u1')!)).toMatchObject({ REG: 'left', QZ: 'left' });
    // Pressing a global node's button too; an activity's own node does not make others leave.
    await send({ payload: 'QUIZ' });
    expect(profile.calls).toEqual(['leave']);
    await send({ payload: 'MY_DATA' });
    expect(profile.calls).toEqual(['leave', 'leave', 'run data.show']);
  });

  it('answers a question with its source and asks for one vote, counted once per answer', async () => {
    const replies = await send({ text: 'vneid mức 2 ở đâu' });
    expect(texts(replies)).toEqual([
      `VNeID mức 2 đăng ký tại công an xã.\n\n${dialog.text('answer.source', { source: 'Bộ Công an' })}`,
      dialog.text('answer.feedback_question'),
    ]);
    const votes = replies[1]!.buttons!;
    expect(votes.map((b) => b.payload)).toEqual(['FB:yes', 'FB:no', 'MENU']);
    expect(recorder.types()).toEqual(['contact', 'question_answered']);
    expect(texts(await send({ payload: 'FB:yes' }))).toEqual([dialog.text('feedback.thanks')]);
    await send({ payload: 'FB:no' });
    expect(recorder.types()).toEqual(['contact', 'question_answered', 'feedback_helpful']);
    await send({ text: 'vneid có mất phí không' });
    await send({ payload: 'FB:no' });
    expect(recorder.types().slice(-2)).toEqual(['question_answered', 'feedback_unhelpful']);
  });

  it('asks in one tap why an unhelpful answer did not help, and keeps the reason with the article for staff, once', async () => {
    await send({ text: 'vneid mức 2 ở đâu' });
    expect(await send({ payload: 'FB:no' })).toEqual([{ text: dialog.text('feedback.why'), buttons: [
      { title: dialog.text('feedback.reason_topic'), payload: 'FB:why:topic' }, { title: dialog.text('feedback.reason_long'), payload: 'FB:why:long' },
      { title: dialog.text('feedback.reason_unclear'), payload: 'FB:why:unclear' }, { title: dialog.text('button.menu'), payload: 'MENU' },
    ] }]);
    expect(await send({ payload: 'FB:why:long' })).toEqual([{ text: dialog.text('feedback.noted'), buttons: dialog.menuButtons() }]);
    expect(recorder.reasons).toEqual([{ channel: 'zalo', topic: 'VNeID', reason: 'long', at }]);
    // A second tap, and a reason that does not exist, keep nothing more.
    await send({ payload: 'FB:why:unclear' });
    await send({ text: 'vneid có mất phí không' });
    await send({ payload: 'FB:no' });
    await send({ payload: 'FB:why:nonsense' });
    expect(recorder.reasons).toHaveLength(1);
    // A helpful vote only thanks.
    await send({ text: 'vneid ở đâu' });
    expect(texts(await send({ payload: 'FB:yes' }))).toEqual([dialog.text('feedback.thanks')]);
    expect(recorder.types().filter((t) => t.startsWith('feedback'))).toEqual(['feedback_unhelpful', 'feedback_unhelpful', 'feedback_helpful']);
  });

  it('replies to small talk and out-of-scope requests without recording them for staff', async () => {
    expect(texts(await send({ text: 'cảm ơn bot' }))).toEqual(['Không có gì ạ!']);
    const [declined] = await send({ text: 'thời tiết mai thế nào' });
    expect(declined!.text).toBe('Xin lỗi, tôi không có thông tin thời tiết.');
    expect(declined!.buttons).toEqual(dialog.menuButtons());
    expect(recorder.types()).toEqual(['contact']);
    expect(recorder.unansweredQuestions).toEqual([]);
  });

  it('gives a long answer a screen at a time behind "Xem thêm", each with its source', async () => {
    const first = await send({ text: 'câu trả lời dài' });
    expect(first[0]!.text).toBe(`Trang một.\n\n${dialog.text('answer.source', { source: 'Nguồn dài' })}`);
    expect(first[0]!.buttons).toEqual([{ title: dialog.text('answer.more_button'), payload: 'FB:more' }]);
    const second = await send({ payload: 'FB:more' });
    expect(second[0]!.text).toMatch(/^Trang hai\./);
    const third = await send({ payload: 'FB:more' });
    expect(third[0]!.text).toMatch(/^Trang ba\./);
    expect(third[0]!.buttons).toBeUndefined();
    expect(texts(await send({ payload: 'FB:more' }))[0]).toBe(dialog.reply(dialog.node('fallback')).text);
    expect(recorder.types()).toEqual(['contact', 'question_answered']);
  });

  it('records an unanswered question through the recorder and shows a long one shortened', async () => {
    const question = "Lịch học kỹ năng số ở bản tôi là ngày nào vậy?";
    const [reply] = await send({ text: question });
    expect(reply!.text).toBe(dialog.text('answer.unknown', { question }));
    expect(reply!.buttons).toEqual(dialog.menuButtons());
    expect(recorder.types()).toEqual(['contact', 'question_unanswered']);
    expect(recorder.unansweredQuestions).toEqual([{ channel: 'zalo', question, at }]);

    engine = new Engine({ dialog, states, answerer, recorder, activities: [profile, quiz, outreach], lock: localLock, maxTextLength: 500 });
    const long = `${'Xin hỏi '.repeat(15)}lịch học`;
    const [shortened] = await send({ text: long });
    expect(shortened!.text).toContain(`"${long.slice(0, 77)}..."`);
    expect(recorder.unansweredQuestions.at(-1)!.question).toBe(long);
  });

  it('never interleaves two messages of one user; other users go on meanwhile', async () => {
    const slow = answerer.hold('vneid câu một');
    const first = send({ text: 'vneid câu một' });
    const second = send({ payload: 'FB:yes' });
    const third = send({ payload: 'FB:yes' });
    const other = await send({ text: 'menu' }, 'u2');
    expect(other).toEqual([dialog.reply(dialog.node('menu'))]);
    await flush();
    // u1's vote waits for the answer it votes on, and is counted once although pressed twice at once.
    expect(recorder.types().filter((t) => t.startsWith('feedback'))).toEqual([]);
    slow.resolve();
    await Promise.all([first, second, third]);
    expect(recorder.events.filter((e) => e.userKey === 'key-zalo-u1').map((e) => e.type))
      .toEqual(['contact', 'question_answered', 'feedback_helpful']);
    await engine.drain();
  });

  it('holds the session lock around each message', async () => {
    const held: string[] = [];
    build({
      async run(sessionId, work) {
        held.push(`lock ${sessionId}`);
        try {
          return await work();
        } finally {
          held.push(`unlock ${sessionId}`);
        }
      },
    });
    await send({ text: 'menu' });
    await send({ text: 'menu' }, 'u2');
    expect(held).toEqual(['lock key-zalo-u1', 'unlock key-zalo-u1', 'lock key-zalo-u2', 'unlock key-zalo-u2']);
  });
});
