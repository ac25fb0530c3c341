import { beforeEach, describe, expect, it } from 'vitest';
import type { Reply } from '../../../src/core/messages.js';
import type { Recorder } from '../../../src/core/ports.js';
import { ENGINE_TEXTS } from '../../../src/core/engine.js';
import { Flows } from '../../../src/dialog/flows.js';
import { Directory } from '../../../src/participation/directory.js';
import { ProfileActivity, PROFILE_TEXTS } from '../../../src/participation/profile-activity.js';
import { Participation } from '../../../src/participation/recorder.js';
import { QuizActivity, QUIZ_TEXTS } from '../../../src/quiz/activity.js';
import type { Quiz } from '../../../src/quiz/bank.js';
import { FakeRecorder, MemoryParticipation, turnFor, personTalkingTo } from '../../helpers/fakes.js';

const dialog = Flows.load('flows', [...ENGINE_TEXTS, ...PROFILE_TEXTS, ...QUIZ_TEXTS]);
const directory = Directory.load('knowledge');
const KEY = 'key-zalo-u1';
const at = new Date(Date.UTC(2026, 2, 3, 2, 0));
const quizTitles = new Map([['otp', 'Mã OTP'], ['matkhau', 'Mật khẩu an toàn']]);

let store: MemoryParticipation;
let recorder: FakeRecorder;
let activity: ProfileActivity;
let state: Record<string, unknown>;

function build(dir = directory, rec: Recorder = recorder) {
  activity = new ProfileActivity({ dialog, store: store.asStore(), recorder: rec, directory: dir, quizTitles, retentionDays: 180 });
}

beforeEach(() => {
  store = new MemoryParticipation();
  recorder = new FakeRecorder();
  state = {};
  build();
});

const turn = () => turnFor({ state, channel: 'zalo', receivedAt: at });
async function run(action: string): Promise<Reply[]> {
  const t = turn();
  await activity.run(t, action);
  return t.replies;
}
const { press, type } = personTalkingTo(() => activity, turn);
const only = (replies: Reply[]) => {
  expect(replies).toHaveLength(1);
  return replies[0]!;
};
const profile = () => store.profiles.get(KEY);
const consented = () => store.saveProfile({ userKey: KEY, channel: 'zalo', consentAt: new Date(Date.UTC(2026, 0, 10, 3)) });
const done = (organisation: string, unit: string) => dialog.text('register.done', { organisation, unit });
const areaButtons = () => directory.areas.map((a) => ({ title: a.label, payload: `REG:area:${a.key}` }));
const skipButton = { title: dialog.text('register.skip'), payload: 'REG:unit:skip' };

describe('ProfileActivity: consent', () => {
  it('asks for consent first, with agree and decline buttons', async () => {
    expect(only(await run('register.start'))).toEqual({ text: dialog.text('register.consent'), buttons: [
      { title: dialog.text('register.agree'), payload: 'REG:consent:yes' }, { title: dialog.text('register.decline'), payload: 'REG:consent:no' },
    ] });
    expect(activity.awaitsText(state)).toBe(true);
    expect(profile()).toBeUndefined();
  });

  it('agreeing by button keeps the consent time, then asks for the organisation', async () => {
    await run('register.start');
    const reply = only(await press('REG:consent:yes'));
    expect(profile()).toEqual({ userKey: KEY, channel: 'zalo', consentAt: at, organisation: undefined, unit: undefined });
    expect(reply.text).toBe(dialog.text('register.ask_organisation'));
    expect(reply.buttons).toEqual(directory.organisations.map((o) => ({ title: o.name, payload: `REG:org:${o.code}` })));
  });

  it('declining by button stores nothing and stops asking', async () => {
    await run('register.start');
    expect(only(await press('REG:consent:no'))).toEqual({ text: dialog.text('register.declined'), buttons: dialog.menuButtons() });
    expect(profile()).toBeUndefined();
    expect(activity.awaitsText(state)).toBe(false);
  });

  it.each(['có', 'Có.', 'đồng ý', 'ok', 'ừ', 'vâng'])('typed "%s" agrees', async (text) => {
    await run('register.start');
    expect((await type(text)).taken).toBe(true);
    expect(profile()?.consentAt).toEqual(at);
  });

  it.each(['khong', 'Không', 'k', 'thôi', 'không đồng ý'])('typed "%s" declines', async (text) => {
    await run('register.start');
    expect(only((await type(text)).replies).text).toBe(dialog.text('register.declined'));
    expect(profile()).toBeUndefined();
  });

  it('hands back other text (a question) and keeps waiting for the answer', async () => {
    await run('register.start');
    expect(await type('dữ liệu này dùng làm gì')).toEqual({ taken: false, replies: [] });
    expect(activity.awaitsText(state)).toBe(true);
    expect(profile()).toBeUndefined();
  });
});

describe('ProfileActivity: organisation and commune', () => {
  beforeEach(async () => {
    await run('register.start');
    await press('REG:consent:yes');
  });

  it('takes the organisation by its code, then asks for the commune by name with one button per old district, not per unit', async () => {
    const reply = only(await press('REG:org:nongdan'));
    expect(profile()!.organisation).toBe('Hội Nông dân');
    expect(reply).toEqual({ text: dialog.text('register.ask_unit'), buttons: [...areaButtons(), skipButton] });
    expect(reply.buttons).toHaveLength(9);
    expect(reply.buttons![2]).toEqual({ title: 'Huyện Tam Đường cũ', payload: 'REG:area:huyen-tam-duong' });
    expect(activity.awaitsText(state)).toBe(true);
  });

  it.each([['hoi nong dan', 'Hội Nông dân'], ['phụ nữ', 'Hội Liên hiệp Phụ nữ'], ['Doan thanh nien', 'Đoàn Thanh niên'], ['ccb', 'Hội Cựu chiến binh']])(
    'takes the organisation typed as "%s"', async (text, name) => {
      expect((await type(text)).taken).toBe(true);
      expect(profile()!.organisation).toBe(name);
    });

  it('asks again, with the buttons, for an organisation it does not know', async () => {
    const { taken, replies } = await type('Hội Người cao tuổi');
    expect(taken).toBe(true);
    expect(only(replies)).toEqual({ text: dialog.text('register.unknown_organisation', { text: 'Hội Người cao tuổi' }), buttons: expect.any(Array) });
    expect(profile()!.organisation).toBeUndefined();
    expect(only(await press('REG:org:khongco')).text).toBe(dialog.text('register.ask_organisation'));
  });

  it('an old district\'s button lists today\'s units there, with "other district" and skip; browsing stores nothing', async () => {
    await press('REG:org:phunu');
    const tamDuong = directory.areaByKey('huyen-tam-duong')!;
    const list = only(await press('REG:area:huyen-tam-duong'));
    expect(list.text).toBe(dialog.text('register.area_units', { area: 'huyện Tam Đường cũ' }));
    expect(list.buttons).toEqual([
      ...tamDuong.units.map((u) => ({ title: u.label, payload: `REG:unit:${u.key}` })),
      { title: dialog.text('register.other_area'), payload: 'REG:areas' }, skipButton,
    ]);
    expect(list.buttons).toContainEqual({ title: 'Xã Bình Lư', payload: 'REG:unit:binh-lu' });
    expect(only(await press('REG:areas'))).toEqual({ text: dialog.text('register.by_area'), buttons: [...areaButtons(), skipButton] });
    // A district key that no longer exists: the districts again.
    expect(only(await press('REG:area:huyen-cu')).text).toBe(dialog.text('register.by_area'));
    expect(profile()!.unit).toBeUndefined();
    expect(recorder.types()).toEqual([]);
    // The person can still type a name after browsing.
    expect(activity.awaitsText(state)).toBe(true);
    await type('Bình Lư');
    expect(profile()!.unit).toBe('Bình Lư');
  });

  it('takes the commune by key, records the registration once, and says what was kept', async () => {
    await press('REG:org:phunu');
    const reply = only(await press('REG:unit:muong-kim'));
    expect(reply).toEqual({ text: done('Hội Liên hiệp Phụ nữ', 'xã Mường Kim'), buttons: dialog.menuButtons() });
    expect(profile()).toMatchObject({ organisation: 'Hội Liên hiệp Phụ nữ', unit: 'Mường Kim', consentAt: at });
    expect(recorder.types()).toEqual(['registration']);
    expect(activity.awaitsText(state)).toBe(false);
  });

  it('finds a commune button by key even after units.yaml was reordered', async () => {
    await press('REG:org:phunu');
    build(new Directory([...directory.units].reverse(), directory.organisations));
    await press('REG:unit:muong-kim');
    expect(profile()!.unit).toBe('Mường Kim');
  });

  it.each([['xa muong kim', 'Mường Kim', 'xã Mường Kim'], ['Mường Kim', 'Mường Kim', 'xã Mường Kim'], ['phuong tan phong', 'Tân Phong', 'phường Tân Phong'],
    ['TÂN PHONG', 'Tân Phong', 'phường Tân Phong']])('takes today\'s commune typed as "%s", without an old-name note', async (text, name, label) => {
    await press('REG:org:doan');
    const { taken, replies } = await type(text);
    expect(taken).toBe(true);
    expect(only(replies).text).toBe(done('Đoàn Thanh niên', label));
    expect(profile()!.unit).toBe(name);
  });

  it.each([
    ['xa son binh', 'Xã Sơn Bình (huyện Tam Đường cũ)', 'Bình Lư', 'xã Bình Lư'],
    ['Sơn Bình', 'Xã Sơn Bình (huyện Tam Đường cũ)', 'Bình Lư', 'xã Bình Lư'],
    ['Phường Quyết Thắng'.normalize('NFD'), 'Phường Quyết Thắng (thành phố Lai Châu cũ)', 'Đoàn Kết', 'phường Đoàn Kết'],
  ])('registers an old name typed as "%s" under today\'s unit and says what it is now', async (text, former, name, label) => {
    await press('REG:org:doan');
    const reply = only((await type(text)).replies);
    expect(reply).toEqual({ text: `${dialog.text('register.unit_now', { former, unit: label })}\n${done('Đoàn Thanh niên', label)}`, buttons: dialog.menuButtons() });
    expect(profile()!.unit).toBe(name);
    expect(recorder.types()).toEqual(['registration']);
  });

  it('asks which one when two old districts had a commune of that name, and registers the one pressed', async () => {
    await press('REG:org:doan');
    const { taken, replies } = await type('nam cha');
    expect(taken).toBe(true);
    const which = only(replies);
    // Both places, each with what it is today, in either order.
    const places = [
      dialog.text('register.place_old', { former: 'Xã Nậm Cha (huyện Sìn Hồ cũ)', unit: 'xã Nậm Tăm' }),
      dialog.text('register.place_old', { former: 'Xã Nậm Chà (huyện Nậm Nhùn cũ)', unit: 'xã Mường Mô' }),
    ].map((p) => `• ${p}`);
    expect([places, [...places].reverse()].map((p) => dialog.text('register.unit_which', { text: 'nam cha', places: p.join('\n') }))).toContain(which.text);
    expect(which.buttons!.map((b) => b.payload).sort()).toEqual(['REG:former:xa.nam-cha.nam-nhun', 'REG:former:xa.nam-cha.sin-ho', 'REG:unit:skip']);
    expect(which.buttons).toContainEqual({ title: 'Xã Mường Mô (Nậm Chà cũ)', payload: 'REG:former:xa.nam-cha.nam-nhun' });
    expect(profile()!.unit).toBeUndefined();
    expect(recorder.types()).toEqual([]);
    expect(activity.awaitsText(state)).toBe(true);

    const reply = only(await press('REG:former:xa.nam-cha.nam-nhun'));
    expect(reply.text).toBe(`${dialog.text('register.unit_now', { former: 'Xã Nậm Chà (huyện Nậm Nhùn cũ)', unit: 'xã Mường Mô' })}\n${done('Đoàn Thanh niên', 'xã Mường Mô')}`);
    expect(profile()!.unit).toBe('Mường Mô');
    expect(recorder.types()).toEqual(['registration']);
  });

  it('for a town that named its district, offers the town\'s commune and the district\'s list', async () => {
    await press('REG:org:doan');
    const which = only((await type('Tam Đường')).replies);
    expect(which.buttons).toEqual([
      { title: 'Xã Bình Lư (Tam Đường cũ)', payload: 'REG:former:thi-tran.tam-duong.tam-duong' },
      { title: 'Huyện Tam Đường cũ', payload: 'REG:area:huyen-tam-duong' }, skipButton,
    ]);
    expect(profile()!.unit).toBeUndefined();
  });

  it('lists an old district\'s units when its name is typed, naming the district in full (not "tP Lai Châu")', async () => {
    await press('REG:org:doan');
    const list = only((await type('tp lai chau')).replies);
    expect(list.text).toBe(dialog.text('register.area_units', { area: 'thành phố Lai Châu cũ' }));
    expect(list.buttons).toContainEqual({ title: 'Phường Đoàn Kết', payload: 'REG:unit:doan-ket' });
    expect(profile()!.unit).toBeUndefined();
  });

  it('offers the closest names for a misspelling and registers nothing until one is pressed', async () => {
    await press('REG:org:doan');
    const close = only((await type('son binhh')).replies);
    expect(close.text).toBe(`${dialog.text('register.unknown_unit', { text: 'son binhh' })}\n${dialog.text('register.unit_suggest')}`);
    expect(close.buttons![0]).toEqual({ title: 'Xã Bình Lư (Sơn Bình cũ)', payload: 'REG:former:xa.son-binh.tam-duong' });
    expect(close.buttons!.slice(-2)).toEqual([{ title: dialog.text('register.by_area_button'), payload: 'REG:areas' }, skipButton]);
    expect(profile()!.unit).toBeUndefined();
    expect(recorder.types()).toEqual([]);
    await press(close.buttons![0]!.payload);
    expect(profile()!.unit).toBe('Bình Lư');
  });

  it('asks again for a commune it does not know, or a button whose key no longer exists', async () => {
    await press('REG:org:doan');
    for (const text of ['Hà Nội', '1']) {
      const { taken, replies } = await type(text);
      expect(taken).toBe(true);
      expect(only(replies)).toEqual({ text: dialog.text('register.unknown_unit', { text }), buttons: [
        { title: dialog.text('register.by_area_button'), payload: 'REG:areas' }, skipButton,
      ] });
    }
    // "son-binh" is an old name, not a key of today's units; an old unit's key that does not exist.
    expect(only(await press('REG:unit:son-binh')).text).toBe(dialog.text('register.ask_unit'));
    expect(only(await press('REG:former:xa.khong-co.tam-duong')).text).toBe(dialog.text('register.ask_unit'));
    expect(profile()!.unit).toBeUndefined();
    expect(recorder.types()).toEqual([]);
  });

  it.each([['button', 'REG:unit:skip'], ['typed', 'bo qua'], ['typed with marks', 'Bỏ qua']])('skips the commune (%s)', async (how, input) => {
    await press('REG:org:doan');
    const replies = how === 'button' ? await press(input) : (await type(input)).replies;
    expect(only(replies).text).toBe(done('Đoàn Thanh niên', dialog.text('register.no_unit')));
    expect(profile()!.unit).toBeUndefined();
    expect(recorder.types()).toEqual(['registration']);
  });
});

describe('ProfileActivity: already registered, my data, deletion', () => {
  it('offers to change the details of someone registered; changing keeps the first consent time', async () => {
    await store.saveProfile({ userKey: KEY, channel: 'zalo', consentAt: new Date(Date.UTC(2026, 0, 10)), organisation: 'Công đoàn', unit: 'Bình Lư' });
    const reply = only(await run('register.start'));
    expect(reply).toEqual({ text: dialog.text('register.already', { organisation: 'Công đoàn', unit: 'xã Bình Lư' }), buttons: [
      { title: dialog.text('register.change'), payload: 'REG:change' }, { title: dialog.text('button.menu'), payload: 'MENU' },
    ] });
    expect(only(await press('REG:change')).text).toBe(dialog.text('register.ask_organisation'));
    await press('REG:org:ccb');
    await press('REG:unit:muong-kim');
    expect(profile()).toMatchObject({ organisation: 'Hội Cựu chiến binh', unit: 'Mường Kim', consentAt: new Date(Date.UTC(2026, 0, 10)) });
  });

  it('an organisation or commune button without a profile (deleted meanwhile) asks for consent again', async () => {
    expect(only(await press('REG:org:doan')).text).toBe(dialog.text('register.consent'));
    expect(only(await press('REG:unit:muong-kim')).text).toBe(dialog.text('register.consent'));
    expect(only(await press('REG:former:xa.son-binh.tam-duong')).text).toBe(dialog.text('register.consent'));
    expect(only(await press('REG:change')).text).toBe(dialog.text('register.consent'));
    expect(profile()).toBeUndefined();
  });

  it('"my data": nothing kept without a profile; otherwise the consent date, organisation, commune, quiz results and key', async () => {
    expect(only(await run('data.show'))).toEqual({ text: dialog.text('data.none', { days: 180 }), buttons: dialog.menuButtons() });
    await consented();
    expect(only(await run('data.show'))).toEqual({ text: dialog.text('data.show', {
      consent: '10/01/2026', organisation: dialog.text('data.not_set'), unit: dialog.text('data.not_set'), quizzes: ` ${dialog.text('data.quiz_none')}`, key: KEY, more: '',
    }), buttons: dialog.menuButtons() });
    await store.saveProfile({ ...profile()!, organisation: 'Hội Nông dân', unit: 'Bình Lư' });
    expect(only(await run('data.show')).text).toMatch(/Hội Nông dân[\s\S]*Xã Bình Lư/);
  });

  it('"my data" lists the quiz results, newest first, by Vietnamese date, with the code of those passed', async () => {
    await consented();
    const result = (hour: number, quizId: string, score: number, passed: boolean) => store.recordEvent({
      at: new Date(Date.UTC(2026, 2, 2, hour)), type: 'quiz_completed', channel: 'zalo', userKey: KEY, quizId, score, total: 12, passed,
    });
    await result(3, 'otp', 7, false);
    // 18:00 UTC on 2 March is 01:00 on 3 March in Vietnam.
    await result(18, 'matkhau', 12, true);
    await store.saveCompletionCode({ code: 'BDHVS-AAAA-BBBB', quizId: 'matkhau', score: 12, total: 12, at: new Date(Date.UTC(2026, 2, 2, 18)), userKey: KEY });
    // Someone else's result and an anonymous one are not listed.
    await store.recordEvent({ at, type: 'quiz_completed', channel: 'zalo', userKey: 'key-zalo-u2', quizId: 'otp', score: 12, total: 12, passed: true });
    await store.recordEvent({ at, type: 'quiz_completed', channel: 'zalo', userKey: null, quizId: 'otp', score: 12, total: 12, passed: true });
    const line = (date: string, title: string, score: number, passed: boolean, code?: string) => `\n  – ${dialog.text('data.quiz_result', {
      date, title, score, total: 12, verdict: dialog.text(passed ? 'data.quiz_passed' : 'data.quiz_failed'), code: code ? dialog.text('data.quiz_code', { code }) : '',
    })}`;
    expect(only(await run('data.show')).text).toBe(dialog.text('data.show', {
      consent: '10/01/2026', organisation: dialog.text('data.not_set'), unit: dialog.text('data.not_set'), key: KEY, more: '',
      quizzes: line('03/03/2026', 'Mật khẩu an toàn', 12, true, 'BDHVS-AAAA-BBBB') + line('02/03/2026', 'Mã OTP', 7, false),
    }));
  });

  it('"my data" shows the ten latest results and says so when there are more; a quiz no longer offered shows its id', async () => {
    await consented();
    for (let day = 1; day <= 11; day++) {
      await store.recordEvent({ at: new Date(Date.UTC(2026, 1, day, 3)), type: 'quiz_completed', channel: 'zalo', userKey: KEY, quizId: day === 11 ? 'cu' : 'otp', score: 3, total: 12, passed: false });
    }
    const text = only(await run('data.show')).text;
    expect(text.match(/\n {2}– /g)).toHaveLength(11);
    expect(text).toContain(dialog.text('data.quiz_more', { n: 10 }));
    expect(text).toContain('11/02/2026, cu: ');
    expect(text).not.toContain('01/02/2026');
  });

  it('deletes after a confirmation by button', async () => {
    await consented();
    expect(only(await run('data.delete'))).toEqual({ text: dialog.text('data.confirm_delete'), buttons: [
      { title: dialog.text('data.delete_yes'), payload: 'REG:delete:yes' }, { title: dialog.text('data.delete_no'), payload: 'REG:delete:no' },
    ] });
    expect(only(await press('REG:delete:yes')).text).toBe(dialog.text('data.deleted'));
    expect(store.deleted).toEqual([KEY]);
    expect(profile()).toBeUndefined();
    expect(activity.awaitsText(state)).toBe(false);
  });

  it('keeps the data when the person says no, by button or typed', async () => {
    await consented();
    await run('data.delete');
    expect(only(await press('REG:delete:no')).text).toBe(dialog.text('data.kept'));
    await run('data.delete');
    expect(only((await type('không xóa')).replies).text).toBe(dialog.text('data.kept'));
    expect(store.deleted).toEqual([]);
    expect(profile()).toBeDefined();
  });

  it('takes a typed "xóa" as the confirmation; hands back anything else', async () => {
    await consented();
    await run('data.delete');
    expect(await type('để làm gì')).toEqual({ taken: false, replies: [] });
    expect((await type('Xóa')).taken).toBe(true);
    expect(store.deleted).toEqual([KEY]);
  });

  it('offers erasure without a profile too: the conversation and unanswered questions are kept for a while', async () => {
    expect(only(await run('data.delete')).text).toBe(dialog.text('data.confirm_delete'));
    await press('REG:delete:yes');
    expect(store.deleted).toEqual([KEY]);
  });

  it('forgets a pending question when the person leaves for the menu', async () => {
    await run('register.start');
    expect(activity.awaitsText(state)).toBe(true);
    activity.onLeave(state);
    expect(activity.awaitsText(state)).toBe(false);
    expect(await type('có')).toEqual({ taken: false, replies: [] });
    expect(profile()).toBeUndefined();
  });
});

describe('ProfileActivity: quizzes done before consent', () => {
  // The real recorder over the same store, and the real quiz activity sharing the conversation state, as the engine wires them.
  const otp: Quiz = {
    id: 'otp', title: 'Mã OTP', intro: 'Một câu.', source: 'Cẩm nang an toàn',
    questions: [{ id: 'q1', question: 'Có nên đọc mã OTP cho người lạ qua điện thoại?', options: ['Đúng', 'Sai'], answer: 2, explanation: 'Không ai được hỏi mã OTP của bạn.' }],
  };
  let quiz: QuizActivity;

  beforeEach(() => {
    const participation = new Participation(store.asStore(), 'secret');
    build(directory, participation);
    quiz = new QuizActivity([otp], { dialog, store: store.asStore(), recorder: participation, passRatio: 0.8 });
  });

  /** Takes the quiz in this conversation (or another person's), right or wrong; returns its completion code if passed. */
  async function takeQuiz(right: boolean, who = { state, userId: 'u1' }): Promise<string | undefined> {
    const t = () => turnFor({ state: who.state, channel: 'zalo', userId: who.userId, receivedAt: at });
    await quiz.onPayload(t(), 'QZ:start:otp');
    const last = t();
    expect(await quiz.onText(last, right ? 'sai' : 'đúng')).toBe(true);
    return /BDHVS-[A-Z0-9-]+/.exec(last.replies.at(-1)!.text)?.[0];
  }
  async function register(unitKey = 'muong-kim') {
    await run('register.start');
    await press('REG:consent:yes');
    await press('REG:org:nongdan');
    await press(`REG:unit:${unitKey}`);
  }
  const quizEvents = (userKey: string | null) => store.events.filter((e) => e.type.startsWith('quiz_') && (e.userKey ?? null) === userKey);
  const resultLine = (code?: string) => `\n  – ${dialog.text('data.quiz_result', {
    date: '03/03/2026', title: 'Mã OTP', score: code ? 1 : 0, total: 1, verdict: dialog.text(code ? 'data.quiz_passed' : 'data.quiz_failed'),
    code: code ? dialog.text('data.quiz_code', { code }) : '',
  })}`;

  it('count once the person agrees: the events and code are theirs, with the organisation and commune, and "my data" lists them', async () => {
    const code = (await takeQuiz(true))!;
    expect(code).toBeDefined();
    await takeQuiz(false, { state: {}, userId: 'u2' });
    expect(quizEvents(null)).toHaveLength(4);
    expect(store.codes).toEqual([expect.objectContaining({ code, userKey: null })]);

    await register();
    expect(quizEvents(KEY).map((e) => [e.type, e.organisation, e.unit])).toEqual([
      ['quiz_started', 'Hội Nông dân', 'Mường Kim'], ['quiz_completed', 'Hội Nông dân', 'Mường Kim'],
    ]);
    expect(store.codes).toEqual([expect.objectContaining({ code, userKey: KEY })]);
    // The other person's attempt stays anonymous.
    expect(quizEvents(null)).toHaveLength(2);
    expect(only(await run('data.show')).text).toContain(resultLine(code));
  });

  it('an attempt started before agreeing and finished after counts whole', async () => {
    await quiz.onPayload(turn(), 'QZ:start:otp');
    await register();
    await quiz.onText(turn(), 'sai');
    expect(quizEvents(KEY).map((e) => e.type)).toEqual(['quiz_started', 'quiz_completed']);
    expect(quizEvents(null)).toEqual([]);
  });

  it('stay anonymous when the person declines, even if they agree later in the same conversation', async () => {
    await takeQuiz(false);
    await run('register.start');
    await press('REG:consent:no');
    await register();
    expect(quizEvents(KEY)).toEqual([]);
    expect(quizEvents(null)).toHaveLength(2);
    expect(only(await run('data.show')).text).toContain(`• Kết quả bài kiểm tra: ${dialog.text('data.quiz_none')}`);
  });

  it('a quiz done after declining and before agreeing counts', async () => {
    await takeQuiz(false);
    await run('register.start');
    await press('REG:consent:no');
    await takeQuiz(false);
    await register();
    expect(quizEvents(KEY)).toHaveLength(2);
    expect(quizEvents(null)).toHaveLength(2);
    expect(only(await run('data.show')).text).toContain(resultLine());
  });

  it('go with the data when the person deletes it; agreeing again ties only the quizzes done since', async () => {
    const before = (await takeQuiz(true))!;
    await register();
    await run('data.delete');
    await press('REG:delete:yes');
    expect(quizEvents(KEY)).toEqual([]);
    expect(quizEvents(null).every((e) => e.organisation === null && e.unit === null && e.attemptId === null)).toBe(true);
    expect(store.codes).toEqual([expect.objectContaining({ code: before, userKey: null, attemptId: null })]);

    const after = (await takeQuiz(true))!;
    await register('binh-lu');
    expect(quizEvents(KEY).map((e) => e.unit)).toEqual(['Bình Lư', 'Bình Lư']);
    expect(store.codes.filter((c) => c.userKey === KEY).map((c) => c.code)).toEqual([after]);
    const mine = only(await run('data.show')).text;
    expect(mine).toContain(resultLine(after));
    expect(mine).not.toContain(before);
  });
});
