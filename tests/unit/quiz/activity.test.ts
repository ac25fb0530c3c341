import { beforeEach, describe, expect, it } from 'vitest';
import type { Reply } from '../../../src/core/messages.js';
import { ENGINE_TEXTS } from '../../../src/core/engine.js';
import type { Turn } from '../../../src/core/ports.js';
import { Flows } from '../../../src/dialog/flows.js';
import { parseTypedAnswer, QuizActivity, QUIZ_TEXTS } from '../../../src/quiz/activity.js';
import type { Quiz } from '../../../src/quiz/bank.js';
import { FakeRecorder, MemoryParticipation, turnFor, personTalkingTo } from '../../helpers/fakes.js';

const dialog = Flows.load('flows', [...ENGINE_TEXTS, ...QUIZ_TEXTS]);

const q1 = { id: 'q1', question: 'Mật khẩu mạnh cần có gì?', options: ['Ngày sinh của mình', 'Chữ hoa, chữ thường, số và ký hiệu', 'Tên con', 'Dãy 123456'], answer: 2, explanation: 'Càng đa dạng càng khó đoán.', source: 'Cẩm nang an toàn' };
const q2 = { id: 'q2', question: 'Có nên đọc mã OTP cho người lạ qua điện thoại?', options: ['Đúng', 'Sai'], answer: 2, explanation: 'Không ai được hỏi mã OTP của bạn.' };
const q3 = { id: 'q3', question: 'Cổng Dịch vụ công quốc gia ở địa chỉ nào?', options: ['dichvucong.gov.vn', 'dichvucong-gov.vn', 'dvc.com.vn'], answer: 1, explanation: 'Chỉ dùng tên miền .gov.vn.' };
const base = { title: 'Bài thử', intro: 'Ba câu ngắn.', source: 'Tài liệu chung' };
const quiz: Quiz = { ...base, id: 'thu', questions: [q1, q2, q3] };
const four: Quiz = { ...base, id: 'bon', questions: [q1] };
const trueFalse: Quiz = { ...base, id: 'ds', questions: [q2] };
const all = [q1, q2, q3];

let store: MemoryParticipation;
let recorder: FakeRecorder;
let activity: QuizActivity;
let state: Record<string, unknown>;

beforeEach(() => {
  store = new MemoryParticipation();
  recorder = new FakeRecorder();
  activity = new QuizActivity([quiz, four, trueFalse], { dialog, store: store.asStore(), recorder, passRatio: 0.8 });
  state = {};
});

/** One message of the same person (the state carries over, as the engine would keep it). */
const turn = (): Turn => turnFor({ state });
const { press, type } = personTalkingTo(() => activity, turn);

/**
 * The question a reply asks, as the person sees it: options listed under letters with a button per letter, or, for a
 * statement to judge, no list and the buttons "Đúng" / "Sai".
 */
function shown(reply: Reply) {
  const [head, ...lines] = reply.text.split('\n');
  const m = head!.match(/^Câu (\d+)\/(\d+): (.*)$/)!;
  const question = all.find((q) => q.question === m[3])!;
  const buttons = reply.buttons!;
  const options = lines.length ? lines.map((l) => l.replace(/^[A-D]\. /, '')) : buttons.map((b) => b.title);
  return {
    n: Number(m[1]), total: Number(m[2]), question, options, letters: lines.map((l) => l[0]!), buttons,
    right: options.indexOf(question.options[question.answer - 1]!), attempt: buttons[0]!.payload.split(':')[2]!,
  };
}

const finalReply = (replies: Reply[]) => replies.at(-1)!;

/** Answers every question of the running attempt, right or wrong as told; returns the last replies. */
async function answerAll(right: (n: number) => boolean, first: Reply): Promise<Reply[]> {
  let current = first;
  for (;;) {
    const q = shown(current);
    const pick = right(q.n) ? q.right : (q.right + 1) % q.options.length;
    const replies = await press(q.buttons[pick]!.payload);
    const next = finalReply(replies);
    if (!next.text.startsWith('Câu ')) return replies;
    current = next;
  }
}

describe('QuizActivity', () => {
  it('lists the quizzes as buttons, saying how many questions they have', async () => {
    const t = turn();
    await activity.run(t);
    expect(t.replies).toEqual([{ text: dialog.text('quiz.choose', { count: '1–3' }), buttons: [
      { title: 'Bài thử', payload: 'QZ:start:thu' }, { title: 'Bài thử', payload: 'QZ:start:bon' }, { title: 'Bài thử', payload: 'QZ:start:ds' },
    ] }]);
    const same = turn();
    await new QuizActivity([quiz], { dialog, store: store.asStore(), recorder, passRatio: 0.8 }).run(same);
    expect(same.replies[0]!.text).toBe(dialog.text('quiz.choose', { count: 3 }));
  });

  it('starts: records it, introduces the quiz and asks the first question with one button per option', async () => {
    const replies = await press('QZ:start:thu');
    expect(replies[0]!.text).toBe(dialog.text('quiz.start', { title: 'Bài thử', intro: 'Ba câu ngắn.' }));
    const q = shown(replies[1]!);
    expect([q.n, q.total]).toEqual([1, 3]);
    expect(q.buttons.map((b) => b.title)).toEqual(q.question === q2 ? ['Đúng', 'Sai'] : ['A', 'B', 'C', 'D'].slice(0, q.options.length));
    expect(q.buttons.every((b) => /^QZ:a:[0-9a-f]{16}:0:\d$/.test(b.payload))).toBe(true);
    // The attempt's id goes with the event, so that a person who registers later can claim it.
    expect(recorder.events).toEqual([{ type: 'quiz_started', userKey: 'key-web-u1', quizId: 'thu', attemptId: q.attempt }]);
    expect(activity.awaitsText(state)).toBe(true);
    expect(shown((await press('QZ:start:thu'))[1]!).attempt).not.toBe(q.attempt);
  });

  it('asks a true/false statement with "Đúng" / "Sai" buttons instead of lettered options', async () => {
    const reply = (await press('QZ:start:ds'))[1]!;
    expect(reply.text).toBe(dialog.text('quiz.question', { n: 1, total: 1, question: q2.question }));
    expect(reply.buttons!.map((b) => b.title)).toEqual(['Đúng', 'Sai']);
    const wrong = await press(reply.buttons![0]!.payload);
    expect(wrong[0]!.text).toBe(`${dialog.text('quiz.wrong_true_false', { option: 'sai', explanation: q2.explanation })}\n${dialog.text('quiz.source', { source: 'Tài liệu chung' })}`);
  });

  it('shuffles the options per attempt, but keeps Đúng/Sai in that order', async () => {
    const orders = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const q = shown((await press('QZ:start:bon'))[1]!);
      expect([...q.options].sort()).toEqual([...q1.options].sort());
      orders.add(q.options.join('|'));
    }
    expect(orders.size).toBeGreaterThan(1);
    for (let i = 0; i < 10; i++) expect(shown((await press('QZ:start:ds'))[1]!).options).toEqual(['Đúng', 'Sai']);
  });

  it('says right or wrong, naming the right option by the letter it was shown under, with the source', async () => {
    const q = shown((await press('QZ:start:bon'))[1]!);
    const wrong = (q.right + 1) % 4;
    const replies = await press(q.buttons[wrong]!.payload);
    expect(replies[0]!.text).toBe(`${dialog.text('quiz.wrong', { letter: 'ABCD'[q.right]!, option: q1.options[1]!, explanation: q1.explanation })}\n${dialog.text('quiz.source', { source: 'Cẩm nang an toàn' })}`);
    const again = shown((await press('QZ:start:ds'))[1]!);
    expect((await press(again.buttons[1]!.payload))[0]!.text).toBe(`${dialog.text('quiz.correct', { explanation: q2.explanation })}\n${dialog.text('quiz.source', { source: 'Tài liệu chung' })}`);
  });

  it('answers a stale button (an earlier question or attempt) by asking the current question again', async () => {
    const first = shown((await press('QZ:start:thu'))[1]!);
    const wrong = (first.right + 1) % first.options.length;
    await press(first.buttons[wrong]!.payload);
    const replies = await press(first.buttons[first.right]!.payload);
    expect(replies[0]!.text).toBe(dialog.text('quiz.stale'));
    const current = shown(replies[1]!);
    expect(current.n).toBe(2);
    const other = current.attempt === 'f'.repeat(16) ? 'e'.repeat(16) : 'f'.repeat(16);
    const otherAttempt = current.buttons[0]!.payload.replace(current.attempt, other);
    expect((await press(otherAttempt))[0]!.text).toBe(dialog.text('quiz.stale'));
    // The stale presses counted nothing: the first answer stays wrong.
    const rest = await answerAll(() => true, replies[1]!);
    expect(finalReply(rest).text).toContain(dialog.text('quiz.finished', { score: 2, total: 3, percent: 67 }));
  });

  it('takes typed answers: a letter in any case, a number, or the option\'s text without tone marks', async () => {
    for (const typed of [(q: ReturnType<typeof shown>) => 'ABCD'[q.right]!, (q: ReturnType<typeof shown>) => 'abcd'[q.right]!,
      (q: ReturnType<typeof shown>) => String(q.right + 1), (q: ReturnType<typeof shown>) => `câu ${'abcd'[q.right]}`]) {
      const q = shown((await press('QZ:start:bon'))[1]!);
      const { taken, replies } = await type(typed(q));
      expect(taken).toBe(true);
      expect(replies[0]!.text).toMatch(/^✅/);
    }
    await press('QZ:start:bon');
    expect((await type('chu hoa, chu thuong, so va ky hieu')).replies[0]!.text).toMatch(/^✅/);
    await press('QZ:start:ds');
    expect((await type('sai')).replies[0]!.text).toMatch(/^✅/);
  });

  it('hands back text that is not an answer, and text when no quiz runs', async () => {
    await press('QZ:start:bon');
    expect(await type('giá lúa hôm nay')).toEqual({ taken: false, replies: [] });
    expect(await type('E')).toEqual({ taken: false, replies: [] });
    expect(await type('5')).toEqual({ taken: false, replies: [] });
    state = {};
    expect(await type('A')).toEqual({ taken: false, replies: [] });
  });

  it('passes with every answer right: a completion code saved, anonymous without a profile (with its attempt, to claim on registering), and the register hint', async () => {
    const asked = (await press('QZ:start:thu'))[1]!;
    const replies = await answerAll(() => true, asked);
    const last = finalReply(replies);
    const code = last.text.match(/BDHVS-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}/)![0];
    expect(last.text).toBe([
      dialog.text('quiz.finished', { score: 3, total: 3, percent: 100 }), dialog.text('quiz.passed', { code }), dialog.text('quiz.register_hint'),
    ].join('\n\n'));
    expect(store.codes).toEqual([{ code, quizId: 'thu', score: 3, total: 3, at: turn().inbound.receivedAt, userKey: null, attemptId: shown(asked).attempt }]);
    expect(last.buttons!.map((b) => b.payload)).toEqual(['QZ:start:thu', 'QUIZ', 'REGISTER', 'MENU']);
    expect(recorder.events.at(-1)).toEqual({ type: 'quiz_completed', userKey: 'key-web-u1', quizId: 'thu', score: 3, total: 3, passed: true, attemptId: shown(asked).attempt });
    expect(activity.awaitsText(state)).toBe(false);
  });

  it('with a profile, the code carries the person\'s key and no attempt, and no register hint is shown', async () => {
    await store.saveProfile({ userKey: 'key-web-u1', channel: 'web', consentAt: new Date(), organisation: 'Hội Nông dân' });
    const last = finalReply(await answerAll(() => true, (await press('QZ:start:thu'))[1]!));
    expect(last.text).not.toContain(dialog.text('quiz.register_hint'));
    expect(last.buttons!.map((b) => b.payload)).toEqual(['QZ:start:thu', 'QUIZ', 'MENU']);
    expect(store.codes).toEqual([expect.objectContaining({ userKey: 'key-web-u1', attemptId: null })]);
  });

  it('fails below the pass ratio: says how many were needed, saves no code', async () => {
    const last = finalReply(await answerAll((n) => n !== 2, (await press('QZ:start:thu'))[1]!));
    expect(last.text).toContain(dialog.text('quiz.failed', { needed: 3 }));
    expect(store.codes).toEqual([]);
    expect(recorder.events.at(-1)).toMatchObject({ type: 'quiz_completed', score: 2, total: 3, passed: false });
  });

  it('resumes a quiz left for the menu where it was', async () => {
    const first = shown((await press('QZ:start:thu'))[1]!);
    const second = shown(finalReply(await press(first.buttons[first.right]!.payload)));
    const list = turn();
    await activity.run(list);
    expect(list.replies[0]!.buttons![0]).toEqual({ title: dialog.text('quiz.resume_button'), payload: 'QZ:resume' });
    const resumed = shown((await press('QZ:resume'))[0]!);
    expect([resumed.n, resumed.question.id, resumed.options]).toEqual([2, second.question.id, second.options]);
  });

  it('lists the quizzes again for an unknown quiz, a progress whose quiz is gone, or an answer with no quiz running', async () => {
    const unknown = await press('QZ:start:cu');
    expect(unknown[0]!.text).toBe(dialog.text('quiz.unknown'));
    expect(unknown[1]!.text).toBe(dialog.text('quiz.choose', { count: '1–3' }));
    state.quiz = { quizId: 'cu', attemptId: 'aaaaaaaa', order: [0], position: 0, correct: 0 };
    const list = turn();
    await activity.run(list);
    expect(list.replies[0]!.buttons![0]!.payload).toBe('QZ:start:thu');
    expect((await press('QZ:resume'))[0]!.text).toBe(dialog.text('quiz.choose', { count: '1–3' }));
    expect(state.quiz).toBeUndefined();
    expect((await press('QZ:a:aaaaaaaa:0:1'))[0]!.text).toBe(dialog.text('quiz.choose', { count: '1–3' }));
  });
});

describe('parseTypedAnswer', () => {
  const options = ['dichvucong.gov.vn', 'dichvucong-gov.vn', 'Cúp máy, không chuyển tiền', 'Chuyển tiền ngay'];

  it('reads letters, numbers and "câu/đáp án/chọn" prefixes', () => {
    expect(parseTypedAnswer('B', options)).toBe(1);
    expect(parseTypedAnswer(' d ', options)).toBe(3);
    expect(parseTypedAnswer('3', options)).toBe(2);
    expect(parseTypedAnswer('Đáp án C', options)).toBe(2);
    expect(parseTypedAnswer('chon a', options)).toBe(0);
  });

  it('tells apart options that differ only in punctuation, and takes a long enough unique start', () => {
    expect(parseTypedAnswer('dichvucong.gov.vn', options)).toBe(0);
    expect(parseTypedAnswer('dichvucong-gov.vn', options)).toBe(1);
    expect(parseTypedAnswer('cup may', options)).toBe(2);
    expect(parseTypedAnswer('chuyen tien ngay', options)).toBe(3);
  });

  it('is undefined for letters or numbers past the options, short or shared starts, and anything else', () => {
    expect(parseTypedAnswer('C', options.slice(0, 2))).toBeUndefined();
    expect(parseTypedAnswer('0', options)).toBeUndefined();
    expect(parseTypedAnswer('cup', options)).toBeUndefined();
    expect(parseTypedAnswer('dichvucong', options)).toBeUndefined();
    expect(parseTypedAnswer('không biết', options)).toBeUndefined();
  });
});
