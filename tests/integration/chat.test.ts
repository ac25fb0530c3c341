import Database from 'better-sqlite3';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type ChatReply, type TestApp } from '../helpers/app.js';

let t: TestApp;
// Every test request comes from 127.0.0.1: the per-address limit has its own test below.
beforeAll(async () => { t = await startTestApp({ WEBCHAT_LIMIT_PER_IP: '100000' }); });
afterAll(async () => { await t.stop(); });

const post = (body: string, type = 'application/json') =>
  fetch(`${t.url}/api/chat`, { method: 'POST', headers: { 'content-type': type }, body });
const payloads = (replies: ChatReply[]) => replies.flatMap((r) => r.buttons.map((b) => b.payload));
const db = () => new Database(path.join(t.dataDir, 'bot.sqlite'), { readonly: true });

describe('service endpoints', () => {
  it('reports health and readiness', async () => {
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${t.url}/readyz`)).json()).toEqual({ status: 'ready' });
  });

  it('serves the web chat page', async () => {
    const res = await fetch(`${t.url}/`);
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/Trợ lý Bình dân học vụ số/);
  });
});

describe('POST /api/chat', () => {
  it('greets on /start with the main menu', async () => {
    const replies = await t.chat('greet-1', { text: '/start' });
    expect(replies[0]!.text).toMatch(/Xin chào/);
    expect(payloads(replies)).toEqual(['ASK', 'SCAM', 'QUIZ', 'REGISTER', 'SUBSCRIBE', 'HANDOFF', 'HELP', 'UNSUBSCRIBE']);
  });

  it('follows menu buttons', async () => {
    expect((await t.chat('menu-1', { payload: 'HELP' }))[0]!.text).toMatch(/Cách dùng trợ lý/);
    expect((await t.chat('menu-1', { payload: 'ASK' }))[0]!.text).toMatch(/gõ câu hỏi/);
    expect(payloads(await t.chat('menu-1', { payload: 'QUIZ' }))).toContain('QZ:start:lua-dao');
    expect(payloads(await t.chat('menu-1', { text: 'MENU' }))).toEqual(['ASK', 'SCAM', 'QUIZ', 'REGISTER', 'SUBSCRIBE', 'HANDOFF', 'HELP', 'UNSUBSCRIBE']);
  });

  it('answers a first-time question at once, with its source', async () => {
    const replies = await t.chat('q-1', { text: 'mat khau manh la gi' });
    expect(replies[0]!.text).toMatch(/mật khẩu/i);
    expect(replies[0]!.text).toMatch(/Nguồn: /);
    expect(payloads(replies)).toEqual(['FB:yes', 'FB:no', 'MENU']);
  });

  it('answers the shortest questions about what it covers, in teencode', async () => {
    // "otp la j": one topic word, where the scope model leans out; a named covered thing must hold it in.
    for (const [user, text] of [['q-otp', 'otp la j'], ['q-otp2', 'otp la j z ad'], ['q-vneid', 'vneid la gi']]) {
      const replies = await t.chat(user!, { text: text! });
      expect(replies[0]!.text, text).toMatch(/Nguồn: /);
    }
  });

  it('fits a long answer on a phone screen, with the rest behind "Xem thêm"', async () => {
    const replies = await t.chat('q-long', { text: 'tiêu chí thi đua của mặt trận và các đoàn thể' });
    const first = replies[0]!.text;
    const body = first.split('\n\nNguồn:')[0]!;
    expect(first).toMatch(/Nguồn: /);
    expect(body.length).toBeLessThanOrEqual(750);
    expect(payloads(replies)).toEqual(['FB:more', 'FB:yes', 'FB:no', 'MENU']);
    const more = await t.chat('q-long', { payload: 'FB:more' });
    const next = more[0]!.text.split('\n\nNguồn:')[0]!.trim();
    expect(more[0]!.text).toMatch(/Nguồn: /);
    expect(next).not.toBe('');
    expect(first).not.toContain(next.slice(0, 40));
  });

  it('replies to small talk and declines out-of-scope requests, sending neither to staff', async () => {
    for (const text of ['cảm ơn bot nhiều nhé', 'ok', 'bạn là ai', 'tạm biệt', 'hay quá']) {
      const replies = await t.chat('talk-1', { text });
      expect(replies[0]!.text, text).not.toMatch(/chưa có thông tin|ghi lại để cán bộ/);
      expect(replies[0]!.text, text).not.toMatch(/Nguồn:/);
    }
    const weather = await t.chat('talk-1', { text: 'thời tiết Lai Châu ngày mai thế nào' });
    expect(weather[0]!.text).toMatch(/không có thông tin thời tiết/);
    expect(weather[0]!.text).not.toMatch(/ghi lại/);
    const emergency = await t.chat('talk-1', { text: 'nhà hàng xóm đang cháy' });
    expect(emergency[0]!.text).toMatch(/114/);
    expect((await t.chat('talk-1', { text: '2' }))[0]!.text).toMatch(/menu/);
    const d = db();
    expect(d.prepare('SELECT COUNT(*) n FROM unanswered').get()).toEqual({ n: 0 });
    d.close();
  });

  it('counts one feedback vote per answer', async () => {
    await t.chat('fb-1', { text: 'mật khẩu mạnh là gì' });
    expect((await t.chat('fb-1', { payload: 'FB:yes' }))[0]!.text).toBe('Cảm ơn bạn đã góp ý!');
    await t.chat('fb-1', { payload: 'FB:yes' });
    await t.chat('fb-1', { payload: 'FB:no' });
    const d = db();
    expect(d.prepare("SELECT type, COUNT(*) n FROM events WHERE type LIKE 'feedback%' GROUP BY type").all()).toEqual([{ type: 'feedback_helpful', n: 1 }]);
    d.close();
  });

  it('says it does not know an in-scope question, offers the menu and records the question for staff', async () => {
    const question = 'ứng dụng iHanoi có dùng được ở Lai Châu không';
    const replies = await t.chat('q-2', { text: question });
    expect(replies[0]!.text).toMatch(new RegExp(`^Xin lỗi, tôi chưa có thông tin về "${question}"`));
    expect(payloads(replies)).toEqual(['ASK', 'SCAM', 'QUIZ', 'REGISTER', 'SUBSCRIBE', 'HANDOFF', 'HELP', 'UNSUBSCRIBE']);
    const d = db();
    expect(d.prepare('SELECT text FROM unanswered WHERE text = ?').all(question)).toHaveLength(1);
    d.close();
  });

  it('refuses an overlong text politely', async () => {
    const replies = await t.chat('long-1', { text: 'a'.repeat(2500) });
    expect(replies[0]!.text).toMatch(/dài quá \(2500 ký tự\)/);
  });

  it('tells stickers and unknown buttons apart from questions', async () => {
    expect((await t.chat('unk-1', { payload: 'NO_SUCH_BUTTON' }))[0]!.text).toMatch(/chưa hiểu/);
  });

  it('rejects bad bodies with JSON errors and keeps serving', async () => {
    const big = await post(JSON.stringify({ userId: 'x', text: 'a'.repeat(70 * 1024) }));
    expect(big.status).toBe(413);
    const malformed = await post('{"userId": "x", "text": ');
    expect(malformed.status).toBe(400);
    expect((await malformed.json()).error.code).toBe('malformed_json');
    for (const body of [{}, { userId: 'x' }, { text: 'hi' }, { userId: '', text: 'hi' }, { userId: 'x', text: 1 }, { userId: 'x', text: 'a', extra: 1 }, []]) {
      const res = await post(JSON.stringify(body));
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect((await res.json()).error.code).toBe('invalid_request');
    }
    expect((await post('userId=x', 'application/x-www-form-urlencoded')).status).toBe(400);
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
  });
});

describe('questions as citizens type them, through the real server', () => {
  // Each answer must come from the expected article, named in the source line.
  const cases: [string, string][] = [
    ['Nghị quyết 57 do ai ban hành?', 'Nghị quyết 57'],
    ['nghi quyet 57 la gi', 'Nghị quyết 57'],
    ['báo cáo phong trào thi đua gửi sở nội vụ trước ngày nào', 'báo cáo'],
    ['lm sao dky tk vneid muc 1 v', 'VNeID'],
    ['ma OTP co dc dua cho ng khac ko', 'OTP'],
    ['mat khau the nao moi manh', 'Mật khẩu'],
    ['quet ma QR thanh toan nhu the nao', 'QR'],
    ['Lai Châu có bao nhiêu xã, phường sau sắp xếp?', 'xã'],
  ];
  it.each(cases)('%s', async (question, topic) => {
    const [answer] = await t.chat('eval-user', { text: question });
    const source = /Nguồn: .*\(bài “([^”]+)”\)/.exec(answer!.text)?.[1];
    expect(source, answer!.text).toBeDefined();
    expect(source!.toLowerCase()).toContain(topic.toLowerCase());
  });
});

describe('odd input', () => {
  // Whatever arrives, the bot answers with a reply and the server stays up.
  const odd = [
    'constructor', '__proto__', 'toString', 'hasOwnProperty', '😀😀😀', '👍', '...', '???', '   ', '\u0000\u0001\u0002',
    'ا�لسلام عليكم', '𝓥𝓝𝓮𝓘𝓓', 'x'.repeat(1999), 'mật khẩu'.normalize('NFD').repeat(50), '1', '0', '-1', '99999999999999999999',
    'QZ:a:xxx:0:0', 'REG:unit:999', 'FB:yes', '<script>alert(1)</script>', "'; DROP TABLE events; --", '\n\n\n', 'ko k dc đc j ntn bn',
  ];
  it.each(odd.map((text, i) => [i, text] as const))('text #%i', async (i, text) => {
    const replies = await t.chat(`odd-${i}`, { text });
    expect(replies.length).toBeGreaterThan(0);
    for (const r of replies) expect(r.text.length).toBeGreaterThan(0);
  });
  it.each(odd.map((payload, i) => [i, payload.slice(0, 200)] as const).filter(([, p]) => p.trim()))('payload #%i', async (i, payload) => {
    const replies = await t.chat(`odd-p-${i}`, { payload });
    expect(replies.length).toBeGreaterThan(0);
  });
});

describe('quiz', () => {
  it('says how many questions a quiz has', async () => {
    const list = await t.chat('quiz-0', { payload: 'QUIZ' });
    expect(list[0]!.text).toBe('Chọn một bài kiểm tra kỹ năng số (mỗi bài 12 câu, làm trong vài phút):');
  });

  it('runs a whole quiz with buttons and typed answers, then scores it', async () => {
    const start = await t.chat('quiz-1', { payload: 'QZ:start:mat-khau' });
    expect(start[0]!.text).toMatch(/Bài “/);
    let question = start.at(-1)!;
    let answered = 0;
    while (question.buttons.some((b) => b.payload.startsWith('QZ:a:'))) {
      // Alternate between pressing a button and typing the letter.
      const replies = answered % 2 === 0
        ? await t.chat('quiz-1', { payload: question.buttons[0]!.payload })
        : await t.chat('quiz-1', { text: 'b' });
      expect(replies[0]!.text).toMatch(/^(✅ Đúng rồi!|❌ Chưa đúng\. (Đáp án đúng là [A-D]\.|Câu này (đúng|sai)\.))/);
      expect(replies[0]!.text).toMatch(/Nguồn: /);
      answered++;
      question = replies.at(-1)!;
    }
    expect(answered).toBe(12);
    expect(question.text).toMatch(/Bạn trả lời đúng \d+\/12 câu/);
    expect(payloads([question])).toContain('QZ:start:mat-khau');
    const d = db();
    const done = d.prepare("SELECT * FROM events WHERE type = 'quiz_completed' AND quiz_id = 'mat-khau'").all() as { total: number; user_key: string | null }[];
    d.close();
    expect(done).toHaveLength(1);
    expect(done[0]!.total).toBe(12);
    // No consent given: the result is counted, but not tied to a person.
    expect(done[0]!.user_key).toBeNull();
  });

  it('passes with all answers right and issues a completion code staff can find', async () => {
    const replies = await t.chat('quiz-2', { payload: 'QZ:start:vneid' });
    const { loadQuizzes } = await import('../../src/quiz/bank.js');
    const quiz = loadQuizzes('knowledge').find((q) => q.id === 'vneid')!;
    let last = replies.at(-1)!;
    for (let i = 0; i < quiz.questions.length; i++) {
      const text = last.text.split('\n')[0]!.replace(/^Câu \d+\/\d+: /, '');
      const q = quiz.questions.find((x) => x.question === text)!;
      // Typed as the option's text without tone marks.
      const answer = q.options[q.answer - 1]!.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/đ/g, 'd');
      const r = await t.chat('quiz-2', { text: answer });
      expect(r[0]!.text).toMatch(/^✅/);
      last = r.at(-1)!;
    }
    const code = /Mã hoàn thành của bạn: (BDHVS-[A-Z0-9]{4}-[A-Z0-9]{4})/.exec(last.text)?.[1];
    expect(code).toBeDefined();
    const d = db();
    expect(d.prepare('SELECT score, total FROM completion_codes WHERE code = ?').get(code)).toEqual({ score: 12, total: 12 });
    d.close();
  });

  it('shuffles the options per attempt (Đúng/Sai stays in order) and names the right one by its shown letter', async () => {
    const seen = new Map<string, Set<string>>();
    for (let attempt = 0; attempt < 8; attempt++) {
      const user = `shuffle-${attempt}`; // one user per attempt keeps under the per-user rate limit
      let q = (await t.chat(user, { payload: 'QZ:start:chien-dich' })).at(-1)!;
      while (q.buttons.some((b) => b.payload.startsWith('QZ:a:'))) {
        const [head, ...options] = q.text.split('\n');
        // A statement to judge: no lettered options, the buttons say Đúng and Sai, in that order.
        if (!options.length) expect(q.buttons.map((b) => b.title)).toEqual(['Đúng', 'Sai']);
        else expect(q.buttons.map((b) => b.title)).toEqual(options.map((o) => o.slice(0, 1)));
        const question = head!.replace(/^Câu \d+\/\d+: /, '');
        seen.set(question, (seen.get(question) ?? new Set<string>()).add(options.join('|')));
        const replies = await t.chat(user, { payload: q.buttons[0]!.payload });
        const wrong = /^❌ Chưa đúng\. Đáp án đúng là ([A-D])\. (.*)$/m.exec(replies[0]!.text);
        if (wrong) expect(options).toContain(`${wrong[1]}. ${wrong[2]}`);
        q = replies.at(-1)!;
      }
    }
    // Over 8 attempts, some question with 3 or 4 options was shown in more than one order.
    expect([...seen.values()].some((orders) => orders.size > 1)).toBe(true);
  });

  it('ignores a stale button from an earlier question', async () => {
    const first = (await t.chat('quiz-3', { payload: 'QZ:start:du-lieu' })).at(-1)!;
    await t.chat('quiz-3', { payload: first.buttons[0]!.payload });
    const again = await t.chat('quiz-3', { payload: first.buttons[1]!.payload });
    expect(again[0]!.text).toMatch(/Câu đó đã qua rồi/);
    expect(again[1]!.text).toMatch(/^Câu 2\/12/);
  });
});

describe('consent and personal data', () => {
  it('stores nothing personal when consent is refused', async () => {
    await t.chat('c-1', { payload: 'REGISTER' });
    const r = await t.chat('c-1', { text: 'khong dong y' });
    expect(r[0]!.text).toMatch(/không lưu thông tin cá nhân/);
    await t.chat('c-1', { text: 'vneid la gi' });
    expect((await t.chat('c-1', { text: 'Dữ liệu của tôi' }))[0]!.text).toMatch(/không lưu tổ chức, xã\/phường hay kết quả nào gắn với bạn.*180 ngày/);
    const d = db();
    expect(d.prepare('SELECT COUNT(*) n FROM profiles').get()).toEqual({ n: 0 });
    expect(d.prepare('SELECT COUNT(*) n FROM events WHERE user_key IS NOT NULL').get()).toEqual({ n: 0 });
    d.close();
  });

  it('registers organisation and commune typed without marks, shows and deletes them', async () => {
    await t.chat('c-2', { payload: 'REGISTER' });
    await t.chat('c-2', { payload: 'REG:consent:yes' });
    expect((await t.chat('c-2', { text: 'hoi phu nu' }))[0]!.text).toMatch(/xã\/phường nào/);
    expect((await t.chat('c-2', { text: 'xa sin suoi ho' }))[0]!.text).toBe('Đã ghi nhận: Hội Liên hiệp Phụ nữ, xã Sin Suối Hồ. Cảm ơn bạn đã tham gia phong trào!');
    await t.chat('c-2', { text: 'nghị quyết 57 là gì' });
    const mine = (await t.chat('c-2', { text: 'du lieu cua toi' }))[0]!.text;
    expect(mine).toMatch(/Hội Liên hiệp Phụ nữ/);
    let d = db();
    const key = (d.prepare('SELECT user_key FROM profiles').get() as { user_key: string }).user_key;
    expect(key).not.toMatch(/c-2/);
    expect(d.prepare("SELECT COUNT(*) n FROM events WHERE user_key = ? AND organisation = 'Hội Liên hiệp Phụ nữ'").get(key)).toEqual({ n: 2 });
    d.close();

    expect((await t.chat('c-2', { text: 'Xóa dữ liệu của tôi' }))[0]!.text).toMatch(/có chắc muốn xóa/);
    expect((await t.chat('c-2', { payload: 'REG:delete:yes' }))[0]!.text).toMatch(/Đã xóa/);
    d = db();
    expect(d.prepare('SELECT COUNT(*) n FROM profiles').get()).toEqual({ n: 0 });
    expect(d.prepare('SELECT COUNT(*) n FROM events WHERE user_key = ?').get(key)).toEqual({ n: 0 });
    // The anonymous counts stay.
    expect((d.prepare("SELECT COUNT(*) n FROM events WHERE type = 'registration'").get() as { n: number }).n).toBeGreaterThanOrEqual(1);
    d.close();
  });

  it('asks again for a commune it does not know', async () => {
    await t.chat('c-3', { payload: 'REGISTER' });
    await t.chat('c-3', { text: 'đồng ý' });
    await t.chat('c-3', { payload: 'REG:org:doan' });
    const r = await t.chat('c-3', { text: 'Hà Nội' });
    expect(r[0]!.text).toMatch(/chưa tìm thấy xã\/phường “Hà Nội”/);
    // No wall of 38 buttons: the way to browse by old district, and skipping.
    expect(payloads(r)).toEqual(['REG:areas', 'REG:unit:skip']);
  });
});

describe('restart', () => {
  it('keeps conversation state across a restart: a quiz resumes where it was', async () => {
    const contacts = () => {
      const d = db();
      const { n } = d.prepare("SELECT COUNT(*) n FROM events WHERE type = 'contact'").get() as { n: number };
      d.close();
      return n;
    };
    const first = (await t.chat('r-1', { payload: 'QZ:start:thanh-toan' })).at(-1)!;
    await t.chat('r-1', { payload: first.buttons[0]!.payload });
    const before = contacts();
    await t.restart();
    const list = await t.chat('r-1', { payload: 'QUIZ' });
    expect(list[0]!.buttons[0]!.payload).toBe('QZ:resume');
    const resumed = await t.chat('r-1', { payload: 'QZ:resume' });
    expect(resumed[0]!.text).toMatch(/^Câu 2\/12/);
    // A returning user is not greeted (or counted) again; a new one is.
    expect(contacts()).toBe(before);
    await t.chat('r-2', { text: 'xin chào' });
    expect(contacts()).toBe(before + 1);
  });
});

describe('web chat rate limits', () => {
  it('answers 429 with Retry-After past the per-user limit, and keeps serving others', async () => {
    const limited = await startTestApp({ WEBCHAT_LIMIT_PER_USER: '3', WEBCHAT_LIMIT_PER_IP: '5' });
    try {
      const send = (userId: string) => fetch(`${limited.url}/api/chat`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId, text: 'menu' }),
      });
      for (let i = 0; i < 3; i++) expect((await send('fast')).status).toBe(200);
      const refused = await send('fast');
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await refused.json()).error.message).toMatch(/nhanh quá/);
      // Another person behind the same address is still served, until the address's own limit.
      expect((await send('other')).status).toBe(200);
      expect((await send('other')).status).toBe(429);
    } finally {
      await limited.stop();
    }
  });
});
