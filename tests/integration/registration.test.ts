import Database from 'better-sqlite3';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Participation } from '../../src/participation/recorder.js';
import { loadQuizzes } from '../../src/quiz/bank.js';
import { startTestApp, type ChatReply, type TestApp } from '../helpers/app.js';

/** Registration as a villager does it, and what the consent text promises about earlier quizzes, through the real server. */

let t: TestApp;
const SECRET = 'registration-test-pseudonym-secret';
beforeAll(async () => { t = await startTestApp({ WEBCHAT_LIMIT_PER_IP: '100000', WEBCHAT_LIMIT_PER_USER: '1000', PSEUDONYM_SECRET: SECRET }); });
/** The conversation of a web user, stored under their pseudonymous key. */
const stateOf = (user: string) => JSON.parse(query<{ state: string }>('SELECT state FROM conversation_state WHERE session_id = ?', new Participation(null as never, SECRET).userKey('web', user))[0]!.state);
afterAll(async () => { await t.stop(); });

const payloads = (r: ChatReply[]) => r.flatMap((x) => x.buttons.map((b) => b.payload));
const query = <T>(sql: string, ...params: unknown[]): T[] => {
  const d = new Database(path.join(t.dataDir, 'bot.sqlite'), { readonly: true });
  try { return d.prepare(sql).all(...params) as T[]; } finally { d.close(); }
};
const profileUnit = (key: string) => query<{ unit: string | null }>('SELECT unit FROM profiles WHERE user_key = ?', key)[0]?.unit;
const keyOf = async (user: string) => /Mã ẩn danh của bạn: (\S+)/.exec((await t.chat(user, { text: 'Dữ liệu của tôi' }))[0]!.text)?.[1] ?? '';

/** Consents and picks an organisation: the next message answers the commune question. */
async function untilUnit(user: string): Promise<ChatReply[]> {
  await t.chat(user, { payload: 'REGISTER' });
  await t.chat(user, { payload: 'REG:consent:yes' });
  return t.chat(user, { payload: 'REG:org:nongdan' });
}

/** Answers every question of a quiz right (or the first option each time). */
async function takeQuiz(user: string, quizId: string, right = true): Promise<ChatReply> {
  const quiz = loadQuizzes('knowledge').find((q) => q.id === quizId)!;
  let last = (await t.chat(user, { payload: `QZ:start:${quizId}` })).at(-1)!;
  while (last.buttons.some((b) => b.payload.startsWith('QZ:a:'))) {
    const text = last.text.split('\n')[0]!.replace(/^Câu \d+\/\d+: /, '');
    const q = quiz.questions.find((x) => x.question === text)!;
    last = (await t.chat(user, right ? { text: q.options[q.answer - 1]! } : { payload: last.buttons[0]!.payload })).at(-1)!;
  }
  return last;
}

describe('the commune question', () => {
  it('offers old districts to browse, not 38 buttons, and registers a commune picked there', async () => {
    const ask = await untilUnit('u-browse');
    expect(ask[0]!.text).toMatch(/tên mới hay tên cũ/);
    expect(ask[0]!.buttons.map((b) => b.title)).toEqual([
      'Huyện Than Uyên cũ', 'Huyện Tân Uyên cũ', 'Huyện Tam Đường cũ', 'TP Lai Châu cũ', 'Huyện Phong Thổ cũ', 'Huyện Sìn Hồ cũ', 'Huyện Nậm Nhùn cũ', 'Huyện Mường Tè cũ', 'Bỏ qua',
    ]);
    const area = await t.chat('u-browse', { payload: 'REG:area:huyen-tam-duong' });
    expect(area[0]!.buttons.map((b) => b.title)).toEqual(['Xã Bản Bo', 'Xã Bình Lư', 'Xã Tả Lèng', 'Xã Khun Há', 'Phường Tân Phong', 'Xã Sin Suối Hồ', 'Huyện khác', 'Bỏ qua']);
    expect((await t.chat('u-browse', { payload: 'REG:areas' }))[0]!.buttons).toHaveLength(9);
    const done = await t.chat('u-browse', { payload: 'REG:unit:khun-ha' });
    expect(done[0]!.text).toBe('Đã ghi nhận: Hội Nông dân, xã Khun Há. Cảm ơn bạn đã tham gia phong trào!');
    expect(profileUnit(await keyOf('u-browse'))).toBe('Khun Há');
  });

  it('accepts an old commune name typed without marks and says what it is today', async () => {
    await untilUnit('u-old');
    const done = await t.chat('u-old', { text: 'xa son binh' });
    expect(done[0]!.text).toBe('Xã Sơn Bình (huyện Tam Đường cũ) nay là xã Bình Lư.\nĐã ghi nhận: Hội Nông dân, xã Bình Lư. Cảm ơn bạn đã tham gia phong trào!');
    expect(profileUnit(await keyOf('u-old'))).toBe('Bình Lư');
    // "Dữ liệu của tôi" shows today's unit.
    expect((await t.chat('u-old', { text: 'du lieu cua toi' }))[0]!.text).toMatch(/• Xã\/phường: Xã Bình Lư/);
  });

  it('accepts NFD input and a ward of the old city', async () => {
    await untilUnit('u-nfd');
    const done = await t.chat('u-nfd', { text: 'Phường Quyết Thắng'.normalize('NFD') });
    expect(done[0]!.text).toMatch(/^Phường Quyết Thắng \(thành phố Lai Châu cũ\) nay là phường Đoàn Kết\./);
    expect(profileUnit(await keyOf('u-nfd'))).toBe('Đoàn Kết');
  });

  it('asks which one when two old districts had a commune of that name', async () => {
    await untilUnit('u-twice');
    const which = await t.chat('u-twice', { text: 'nam cha' });
    expect(which[0]!.text).toMatch(/Có nhiều nơi tên “nam cha”/);
    expect(which[0]!.text).toMatch(/Xã Nậm Cha \(huyện Sìn Hồ cũ\) nay là xã Nậm Tăm/);
    expect(which[0]!.text).toMatch(/Xã Nậm Chà \(huyện Nậm Nhùn cũ\) nay là xã Mường Mô/);
    expect(payloads(which).sort()).toEqual(['REG:former:xa.nam-cha.nam-nhun', 'REG:former:xa.nam-cha.sin-ho', 'REG:unit:skip']);
    expect(await keyOf('u-twice').then(profileUnit)).toBeNull();
    const done = await t.chat('u-twice', { payload: 'REG:former:xa.nam-cha.nam-nhun' });
    expect(done[0]!.text).toMatch(/^Xã Nậm Chà \(huyện Nậm Nhùn cũ\) nay là xã Mường Mô\./);
    expect(profileUnit(await keyOf('u-twice'))).toBe('Mường Mô');
  });

  it('offers the closest names for a misspelling and registers nothing until one is chosen', async () => {
    await untilUnit('u-typo');
    const close = await t.chat('u-typo', { text: 'son binhh' });
    expect(close[0]!.text).toMatch(/chưa tìm thấy xã\/phường “son binhh”.*\nCó phải bạn ở một trong các nơi dưới đây\?$/s);
    expect(payloads(close)[0]).toBe('REG:former:xa.son-binh.tam-duong');
    expect(close[0]!.buttons.slice(-2)).toEqual([{ title: 'Chọn theo huyện cũ', payload: 'REG:areas' }, { title: 'Bỏ qua', payload: 'REG:unit:skip' }]);
    expect(profileUnit(await keyOf('u-typo'))).toBeNull();
  });
});

describe('quizzes done before registering', () => {
  it('count for the person once they agree: events and completion code tied to them, listed in "Dữ liệu của tôi"', async () => {
    const result = await takeQuiz('q-1', 'vneid');
    const code = /Mã hoàn thành của bạn: (BDHVS-[A-Z0-9-]+)/.exec(result.text)![1]!;
    expect(payloads([result])).toContain('REGISTER');
    const before = query<{ user_key: string | null; attempt_id: string | null }>("SELECT user_key, attempt_id FROM events WHERE type LIKE 'quiz_%' AND quiz_id = 'vneid'");
    expect(before).toHaveLength(2);
    expect(before.every((e) => e.user_key === null && e.attempt_id)).toBe(true);
    // Someone else takes a quiz too: their attempt must stay theirs.
    await takeQuiz('q-2', 'mat-khau', false);

    await untilUnit('q-1');
    await t.chat('q-1', { text: 'Sìn Hồ' });
    const key = await keyOf('q-1');
    expect(query("SELECT type, user_key, organisation, unit, attempt_id FROM events WHERE type LIKE 'quiz_%' AND quiz_id = 'vneid' ORDER BY id")).toEqual([
      { type: 'quiz_started', user_key: key, organisation: 'Hội Nông dân', unit: 'Sìn Hồ', attempt_id: null },
      { type: 'quiz_completed', user_key: key, organisation: 'Hội Nông dân', unit: 'Sìn Hồ', attempt_id: null },
    ]);
    expect(query('SELECT user_key FROM completion_codes WHERE code = ?', code)).toEqual([{ user_key: key }]);
    expect(query("SELECT COUNT(*) AS n FROM events WHERE quiz_id = 'mat-khau' AND user_key IS NULL")).toEqual([{ n: 2 }]);

    const mine = (await t.chat('q-1', { text: 'Dữ liệu của tôi' }))[0]!.text;
    expect(mine).toMatch(new RegExp(`• Kết quả bài kiểm tra:\\n  – \\d{2}/\\d{2}/\\d{4}, VNeID và dịch vụ công trực tuyến: đúng 12/12 câu, đạt, mã ${code}`));
    expect(mine).toMatch(/cả bài làm trước khi đồng ý/);
    // The conversation's note of attempts is gone once claimed.
    expect(stateOf('q-1').unclaimedAttempts).toBeUndefined();
  });

  it('stay anonymous when the person refuses consent, and go with the data when they delete it', async () => {
    await takeQuiz('q-3', 'thanh-toan', false);
    await t.chat('q-3', { payload: 'REGISTER' });
    expect((await t.chat('q-3', { payload: 'REG:consent:no' }))[0]!.text).toMatch(/các bài bạn đã làm chỉ được đếm chung/);
    expect(stateOf('q-3').unclaimedAttempts).toBeUndefined();
    await untilUnit('q-3');
    expect(query("SELECT COUNT(*) AS n FROM events WHERE quiz_id = 'thanh-toan' AND user_key IS NOT NULL")).toEqual([{ n: 0 }]);
    expect((await t.chat('q-3', { text: 'Dữ liệu của tôi' }))[0]!.text).toMatch(/• Kết quả bài kiểm tra: chưa có bài nào/);

    await takeQuiz('q-4', 'du-lieu', false);
    await untilUnit('q-4');
    await t.chat('q-4', { payload: 'REG:unit:skip' });
    expect(query("SELECT COUNT(*) AS n FROM events WHERE quiz_id = 'du-lieu' AND user_key IS NOT NULL")).toEqual([{ n: 2 }]);
    expect((await t.chat('q-4', { text: 'Dữ liệu của tôi' }))[0]!.text).toMatch(/\n  – \d{2}\/\d{2}\/\d{4}, [^:]+: đúng \d+\/12 câu, chưa đạt\n/);
    await t.chat('q-4', { text: 'Xóa dữ liệu của tôi' });
    await t.chat('q-4', { payload: 'REG:delete:yes' });
    expect(query("SELECT user_key, organisation, attempt_id FROM events WHERE quiz_id = 'du-lieu'")).toEqual([
      { user_key: null, organisation: null, attempt_id: null }, { user_key: null, organisation: null, attempt_id: null },
    ]);
  });
});
