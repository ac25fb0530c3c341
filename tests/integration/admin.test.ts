import crypto from 'node:crypto';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { sqliteStore } from '../helpers/stores.js';
import type { Store } from '../../src/storage/ports.js';
import type { ParticipationEvent } from '../../src/storage/types.js';
import type { ChannelName } from '../../src/core/messages.js';
import { hashPassword } from '../../src/admin/passwords.js';
import { sessionKey } from '../../src/admin/auth.js';

const TOKEN = 'test-admin-token-123456';
const RAW_USER_ID = 'zalo-raw-platform-id-98765';
const NONG_DAN = 'Hội Nông dân';
const DOAN = 'Đoàn Thanh niên';

let t: TestApp;
let side: Store;
// Pseudonyms are base64url, so one may start with '-'; k1 always does (exports defuse it like any
// text that a spreadsheet could read as a formula), the others never, so no test depends on chance.
const pseudonym = (first: string) => first + crypto.randomBytes(16).toString('base64url').slice(0, 21);
const [k1, k2, k3, k4] = [pseudonym('-'), pseudonym('a'), pseudonym('B'), pseudonym('c')];

/** Vietnamese wall-clock time -> instant (UTC+7). */
const vn = (s: string) => new Date(`${s}+07:00`);

function ev(at: string, type: ParticipationEvent['type'], channel: ChannelName, extra: Partial<ParticipationEvent> = {}): ParticipationEvent {
  return { at: vn(at), type, channel, ...extra };
}

/**
 * March 2025 in Vietnam time, with boundary events around it. Expected numbers below are written
 * out by hand, not computed by the code under test.
 */
function seedEvents(): ParticipationEvent[] {
  const nd = (k: string, unit: string) => ({ userKey: k, organisation: NONG_DAN, unit });
  const dt = { userKey: k4, organisation: DOAN, unit: 'Mường Kim' };
  const list: ParticipationEvent[] = [
    // Anonymous contacts: 13 inside March (one at 00:30 on 1 March, which is still 28 Feb in UTC), 2 outside; the 8 on the web are sessions, not people.
    ev('2025-03-01T00:30:00', 'contact', 'web'),
    ...Array.from({ length: 6 }, () => ev('2025-03-05T10:00:00', 'contact', 'web')),
    ...Array.from({ length: 5 }, () => ev('2025-03-06T09:00:00', 'contact', 'zalo')),
    ev('2025-03-31T23:30:00', 'contact', 'web'),
    ev('2025-02-28T23:50:00', 'contact', 'web'),
    ev('2025-04-01T00:10:00', 'contact', 'web'),
    // Hội Nông dân, xã Mường Kim, on Zalo: k1 and k2.
    ev('2025-03-10T08:00:00', 'registration', 'zalo', nd(k1, 'Mường Kim')),
    ev('2025-03-10T08:01:00', 'registration', 'zalo', nd(k2, 'Mường Kim')),
    ev('2025-03-10T08:02:00', 'question_answered', 'zalo', nd(k1, 'Mường Kim')),
    ev('2025-03-10T08:03:00', 'question_answered', 'zalo', nd(k1, 'Mường Kim')),
    ev('2025-03-10T08:04:00', 'question_answered', 'zalo', nd(k2, 'Mường Kim')),
    ev('2025-03-10T08:05:00', 'question_unanswered', 'zalo', nd(k2, 'Mường Kim')),
    ev('2025-03-10T08:06:00', 'quiz_started', 'zalo', { ...nd(k1, 'Mường Kim'), quizId: 'vneid' }),
    ev('2025-03-10T08:07:00', 'quiz_started', 'zalo', { ...nd(k2, 'Mường Kim'), quizId: 'vneid' }),
    ev('2025-03-10T08:08:00', 'quiz_completed', 'zalo', { ...nd(k1, 'Mường Kim'), quizId: 'vneid', score: 9, total: 10, passed: true }),
    ev('2025-03-10T08:09:00', 'quiz_completed', 'zalo', { ...nd(k2, 'Mường Kim'), quizId: 'vneid', score: 5, total: 10, passed: false }),
    ev('2025-03-10T08:10:00', 'feedback_helpful', 'zalo', nd(k1, 'Mường Kim')),
    // Hội Nông dân, phường Tân Phong, on Messenger: k3.
    ev('2025-03-12T14:00:00', 'registration', 'messenger', nd(k3, 'Tân Phong')),
    ev('2025-03-12T14:01:00', 'quiz_started', 'messenger', { ...nd(k3, 'Tân Phong'), quizId: 'lua-dao' }),
    ev('2025-03-12T14:02:00', 'quiz_completed', 'messenger', { ...nd(k3, 'Tân Phong'), quizId: 'lua-dao', score: 10, total: 10, passed: true }),
    // Đoàn Thanh niên, xã Mường Kim, on Telegram: k4.
    ev('2025-03-15T19:00:00', 'registration', 'telegram', dt),
    ev('2025-03-15T19:01:00', 'question_answered', 'telegram', dt),
    ev('2025-03-15T19:02:00', 'question_answered', 'telegram', dt),
    ev('2025-03-15T19:03:00', 'quiz_started', 'telegram', { ...dt, quizId: 'vneid' }),
    ev('2025-03-15T19:04:00', 'quiz_completed', 'telegram', { ...dt, quizId: 'vneid', score: 8, total: 10, passed: true }),
    // Anonymous activity on the web.
    ...Array.from({ length: 4 }, () => ev('2025-03-20T09:00:00', 'question_answered', 'web')),
    ...Array.from({ length: 2 }, () => ev('2025-03-20T09:05:00', 'question_unanswered', 'web')),
    ev('2025-03-20T09:10:00', 'quiz_started', 'web', { quizId: 'mat-khau' }),
    ev('2025-03-20T09:15:00', 'quiz_completed', 'web', { quizId: 'mat-khau', score: 3, total: 10, passed: false }),
    ev('2025-03-20T09:16:00', 'feedback_unhelpful', 'web'),
  ];
  return list;
}
const MARCH_EVENTS = 41;
const MARCH = 'from=2025-03-01&to=2025-03-31';

const bearer = { authorization: `Bearer ${TOKEN}` };
const get = (p: string, headers: Record<string, string> = {}) => fetch(`${t.url}${p}`, { headers });
const getJson = async <T = any>(p: string, headers: Record<string, string> = bearer): Promise<T> => {
  const res = await get(p, headers);
  expect(res.status, `${p}: ${res.status}`).toBe(200);
  return (await res.json()) as T;
};
async function login(username: string, password: string): Promise<Response> {
  return fetch(`${t.url}/api/admin/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
}
/** Logs in and returns the Cookie header value for later requests. */
async function sessionFor(username: string, password: string): Promise<string> {
  const res = await login(username, password);
  expect(res.status).toBe(200);
  const set = res.headers.get('set-cookie')!;
  return set.split(';')[0]!;
}

beforeAll(async () => {
  t = await startTestApp({ ADMIN_TOKEN: TOKEN });
  side = sqliteStore(path.join(t.dataDir, 'bot.sqlite'));
  for (const e of seedEvents()) await side.participation.recordEvent(e);
  await side.staff.saveStaffUser({ username: 'an.admin', passwordHash: await hashPassword('mat-khau-admin-1'), role: 'admin' });
  await side.staff.saveStaffUser({ username: 'viewer.nd', passwordHash: await hashPassword('mat-khau-viewer-1'), role: 'viewer', organisation: NONG_DAN });
  await side.staff.saveStaffUser({ username: 'brute', passwordHash: await hashPassword('mat-khau-dung-123'), role: 'admin' });
  await side.participation.saveCompletionCode({ code: 'BDHVS-TEST-2345', quizId: 'vneid', score: 9, total: 10, at: vn('2025-03-10T08:08:00'), userKey: k1 });
  await side.participation.recordUnanswered('web', 'giá lúa hôm nay bao nhiêu', vn('2025-03-20T09:05:00'), 'k-seed');

  // Real traffic through the chat API, including a person who registers with consent.
  await t.chat(RAW_USER_ID, { payload: 'START' });
  await t.chat(RAW_USER_ID, { payload: 'REGISTER' });
  await t.chat(RAW_USER_ID, { payload: 'REG:consent:yes' });
  await t.chat(RAW_USER_ID, { payload: 'REG:org:nongdan' });
  await t.chat(RAW_USER_ID, { payload: 'REG:unit:muong-kim' });
  await t.chat(RAW_USER_ID, { text: 'Nghị quyết 57 là gì?' });
  await t.chat('anon-web-1', { text: 'ứng dụng iHanoi có dùng được ở Lai Châu không' });
});
afterAll(async () => {
  await side?.close();
  await t?.stop();
});

describe('access control', () => {
  it('closes the API without credentials (401 JSON)', async () => {
    for (const p of ['/api/admin/me', '/api/admin/stats', '/api/admin/unanswered', '/api/admin/meta', '/api/admin/export.csv',
      '/api/admin/export.xlsx', '/api/admin/verify-code?code=BDHVS-TEST-2345', '/api/admin/anything']) {
      const res = await get(p);
      expect(res.status, p).toBe(401);
      expect(res.headers.get('content-type')).toMatch(/json/);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    }
  });

  it('rejects a wrong bearer token and accepts the right one', async () => {
    expect((await get('/api/admin/me', { authorization: 'Bearer wrong-token-wrong-token' })).status).toBe(401);
    expect(await getJson('/api/admin/me')).toMatchObject({ role: 'admin', via: 'token' });
  });

  it('serves the dashboard page itself without credentials, with a strict CSP', async () => {
    const res = await get('/admin/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    expect(await res.text()).toMatch(/Thống kê phong trào/);
  });

  it('logs in with a staff account: HttpOnly SameSite=Strict cookie, then logs out', async () => {
    const res = await login('An.Admin', 'mat-khau-admin-1');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ username: 'an.admin', role: 'admin' });
    const set = res.headers.get('set-cookie')!;
    expect(set).toMatch(/HttpOnly/);
    expect(set).toMatch(/SameSite=Strict/);
    expect(set).toMatch(/Path=\/api\/admin/);
    const cookie = set.split(';')[0]!;
    expect(await getJson('/api/admin/me', { cookie })).toMatchObject({ username: 'an.admin', via: 'session' });

    const out = await fetch(`${t.url}/api/admin/logout`, { method: 'POST', headers: { cookie } });
    expect(out.status).toBe(200);
    expect(out.headers.get('set-cookie')).toMatch(/Max-Age=0/);
    expect((await get('/api/admin/me', { cookie })).status).toBe(401);
  });

  it('refuses a wrong password and an unknown user alike', async () => {
    const a = await login('an.admin', 'sai-mat-khau');
    const b = await login('khong-co-ai', 'sai-mat-khau');
    expect(a.status).toBe(401);
    expect(b.status).toBe(401);
    expect(await a.json()).toEqual(await b.json());
  });

  it('refuses an expired session', async () => {
    const token = crypto.randomBytes(32).toString('base64url');
    await side.staff.createStaffSession({ token: sessionKey(token), username: 'an.admin', expiresAt: new Date(Date.now() - 1000) });
    const res = await get('/api/admin/me', { cookie: `bdhvs_admin=${token}` });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('session_expired');
    expect(await side.staff.getStaffSession(sessionKey(token))).toBeUndefined();
  });

  it('stores sessions under a hash, not the cookie value', async () => {
    const cookie = await sessionFor('an.admin', 'mat-khau-admin-1');
    const value = cookie.split('=')[1]!;
    expect(await side.staff.getStaffSession(value)).toBeUndefined();
    const s = await side.staff.getStaffSession(sessionKey(value));
    expect(s?.username).toBe('an.admin');
    const hours = (s!.expiresAt.getTime() - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(7.9);
    expect(hours).toBeLessThanOrEqual(8);
  });

  it('slows down password guessing: after 5 failures even the right password waits', async () => {
    for (let i = 0; i < 5; i++) expect((await login('brute', `sai-${i}`)).status).toBe(401);
    const blocked = await login('brute', 'mat-khau-dung-123');
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    // Other accounts from the same address are not locked by it.
    expect((await login('an.admin', 'mat-khau-admin-1')).status).toBe(200);
  });

  it('accepts login only as JSON', async () => {
    const res = await fetch(`${t.url}/api/admin/login`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'username=an.admin&password=mat-khau-admin-1',
    });
    expect(res.status).toBe(415);
  });

  it('logs logins in the audit log', async () => {
    const audit = await side.staff.listAudit(200);
    expect(audit.some((a) => a.actor === 'an.admin' && a.action === 'login')).toBe(true);
    expect(audit.some((a) => a.actor === 'an.admin' && a.action === 'login_failed')).toBe(true);
    expect(audit.some((a) => a.actor === '(không rõ)' && a.action === 'login_failed')).toBe(true);
  });
});

describe('filters', () => {
  it.each([
    ['from=2025-13-01', 'from'],
    ['from=2025-02-30', 'from'],
    ['to=hom-qua', 'to'],
    ['from=2025-03-31&to=2025-03-01', 'from'],
    ['channel=fax', 'channel'],
    ['organisation=Hội Không Có', 'organisation'],
    ['unit=Hà Nội', 'unit'],
    ['from=2025-03-01&from=2025-03-02', 'from'],
  ])('rejects %s with 400 naming the parameter', async (qs, param) => {
    for (const p of ['/api/admin/stats', '/api/admin/export.csv', '/api/admin/export.xlsx']) {
      const res = await get(`${p}?${encodeURI(qs)}`, bearer);
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error: { code: string; parameter: string; message: string } };
      expect(body.error.code).toBe('invalid_filter');
      expect(body.error.parameter).toBe(param);
      expect(body.error.message).toContain(param);
    }
  });

  it('treats blank fields as no filter and accepts names without tone marks', async () => {
    const s = await getJson(`/api/admin/stats?${MARCH}&organisation=hoi%20nong%20dan&unit=xa%20muong%20kim&channel=`);
    expect(s.filter).toMatchObject({ organisation: NONG_DAN, unit: 'Mường Kim' });
    expect(s.totals.participants).toBe(2);
  });
});

describe('GET /api/admin/stats', () => {
  it('counts March 2025 (Vietnam time, both ends inclusive)', async () => {
    const s = await getJson(`/api/admin/stats?${MARCH}`);
    expect(s.events).toBe(MARCH_EVENTS);
    expect(s.totals).toEqual({
      reached: 5, webSessions: 8, answered: 9, unanswered: 3, quizStarted: 5, quizCompleted: 5, quizPassed: 3, passRate: 0.6,
      registrations: 4, feedbackHelpful: 1, feedbackUnhelpful: 1, scamChecks: 0, participants: 4,
    });
  });

  it('breaks down by day, organisation, commune, channel and quiz', async () => {
    const s = await getJson(`/api/admin/stats?${MARCH}`);
    expect(s.byDay).toHaveLength(31);
    expect(s.byDay[0]).toMatchObject({ date: '2025-03-01', reached: 0, webSessions: 1 });
    expect(s.byDay.find((d: any) => d.date === '2025-03-05')).toMatchObject({ reached: 0, webSessions: 6 });
    expect(s.byDay.find((d: any) => d.date === '2025-03-06')).toMatchObject({ reached: 5, webSessions: 0 });
    expect(s.byDay[30]).toMatchObject({ date: '2025-03-31', reached: 0, webSessions: 1 });

    const org = (name: string) => s.byOrganisation.find((o: any) => o.organisation === name);
    expect(org(NONG_DAN)).toMatchObject({ participants: 3, answered: 3, unanswered: 1, quizCompleted: 3, quizPassed: 2, registrations: 3 });
    expect(org(DOAN)).toMatchObject({ participants: 1, answered: 2, quizCompleted: 1, quizPassed: 1, registrations: 1 });
    expect(org('Chưa đăng ký')).toMatchObject({ registered: false, reached: 5, webSessions: 8, answered: 4, unanswered: 2, quizCompleted: 1, quizPassed: 0 });
    expect(org('Hội Cựu chiến binh')).toMatchObject({ participants: 0, answered: 0 });

    expect(s.byUnit).toHaveLength(38 + 1);
    expect(s.byUnit.find((u: any) => u.unit === 'Mường Kim')).toMatchObject({ label: 'Xã Mường Kim', participants: 3, answered: 5, quizPassed: 2 });
    expect(s.byUnit.find((u: any) => u.unit === 'Tân Phong')).toMatchObject({ label: 'Phường Tân Phong', participants: 1, quizCompleted: 1 });

    const ch = (c: string) => s.byChannel.find((x: any) => x.channel === c);
    // Web chat ids are made up by the browser: sessions, never counted as people reached.
    expect(ch('web')).toMatchObject({ reached: 0, webSessions: 8, answered: 4, unanswered: 2 });
    expect(ch('zalo')).toMatchObject({ reached: 5, answered: 3, registrations: 2 });
    expect(ch('telegram')).toMatchObject({ answered: 2, quizPassed: 1 });
    expect(ch('messenger')).toMatchObject({ registrations: 1 });

    expect(s.byQuiz).toEqual(expect.arrayContaining([
      expect.objectContaining({ quizId: 'vneid', started: 3, completed: 3, passed: 2, averagePercent: 73.3 }),
      expect.objectContaining({ quizId: 'lua-dao', started: 1, completed: 1, passed: 1, passRate: 1 }),
      expect.objectContaining({ quizId: 'mat-khau', completed: 1, passed: 0, passRate: 0 }),
    ]));
    expect(s.byQuiz.find((q: any) => q.quizId === 'vneid').title).not.toBe('vneid');
  });

  it('filters by organisation, commune and channel', async () => {
    const nd = await getJson(`/api/admin/stats?${MARCH}&organisation=${encodeURIComponent(NONG_DAN)}`);
    expect(nd.totals).toMatchObject({ participants: 3, answered: 3, registrations: 3, reached: 0, quizPassed: 2 });
    expect(nd.byOrganisation.map((o: any) => o.organisation)).toEqual([NONG_DAN]);
    const mk = await getJson(`/api/admin/stats?${MARCH}&unit=${encodeURIComponent('Mường Kim')}`);
    expect(mk.totals).toMatchObject({ participants: 3, answered: 5, registrations: 3 });
    const zalo = await getJson(`/api/admin/stats?${MARCH}&channel=zalo`);
    expect(zalo.totals).toMatchObject({ reached: 5, answered: 3, registrations: 2 });
  });

  it('sees the chat traffic of today with pseudonymous keys only', async () => {
    const s = await getJson('/api/admin/stats');
    expect(s.totals.reached + s.totals.webSessions).toBeGreaterThanOrEqual(13 + 2 + 2);
    expect(s.byOrganisation.find((o: any) => o.organisation === NONG_DAN).registrations).toBe(4);
  });
});

describe('viewer role', () => {
  let cookie: string;
  beforeAll(async () => { cookie = await sessionFor('viewer.nd', 'mat-khau-viewer-1'); });

  it('is forced to its own organisation whatever the query says', async () => {
    const s = await getJson(`/api/admin/stats?${MARCH}&organisation=${encodeURIComponent(DOAN)}`, { cookie });
    expect(s.filter.organisation).toBe(NONG_DAN);
    expect(s.totals).toMatchObject({ participants: 3, answered: 3, registrations: 3 });
    expect(s.byOrganisation.map((o: any) => o.organisation)).toEqual([NONG_DAN]);
    const meta = await getJson('/api/admin/meta', { cookie });
    expect(meta.organisations.map((o: any) => o.name)).toEqual([NONG_DAN]);
    expect(meta.units).toHaveLength(38);
  });

  it('exports only its own organisation', async () => {
    const res = await get(`/api/admin/export.csv?${MARCH}&organisation=${encodeURIComponent(DOAN)}`, { cookie });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain(NONG_DAN);
    expect(text).not.toContain(DOAN);
    expect(text).not.toContain('Chưa đăng ký');
    const events = await (await get(`/api/admin/export.csv?${MARCH}&rows=events`, { cookie })).text();
    expect(events.trim().split('\r\n')).toHaveLength(1 + 14);
  });

  it('does not see unanswered questions (they carry no organisation)', async () => {
    expect((await get('/api/admin/unanswered', { cookie })).status).toBe(403);
  });
});

describe('unanswered questions and completion codes', () => {
  it('lists the latest unanswered questions', async () => {
    const u = await getJson('/api/admin/unanswered');
    const texts = u.items.map((i: any) => i.text);
    expect(texts).toContain('giá lúa hôm nay bao nhiêu');
    expect(texts[0]).toBe('ứng dụng iHanoi có dùng được ở Lai Châu không');
    expect(u.items.find((i: any) => i.text === 'giá lúa hôm nay bao nhiêu')).toMatchObject({ channel: 'web', time: '2025-03-20 09:05:00' });
  });

  it('looks up a completion code (case-insensitive), and says when it does not exist', async () => {
    const c = await getJson('/api/admin/verify-code?code=bdhvs-test-2345');
    expect(c).toMatchObject({ code: 'BDHVS-TEST-2345', quizId: 'vneid', score: 9, total: 10, date: '2025-03-10' });
    expect(c).not.toHaveProperty('userKey');
    expect((await get('/api/admin/verify-code?code=BDHVS-NONE-0000', bearer)).status).toBe(404);
    expect((await get('/api/admin/verify-code?code=<script>', bearer)).status).toBe(400);
  });
});

describe('exports', () => {
  const csvRows = (text: string) => text.replace(/^\uFEFF/, '').trim().split('\r\n');

  it('CSV for Excel with Vietnamese settings: UTF-8 BOM, ";" between fields, decimal comma, the yearly-report table and totals', async () => {
    const res = await get(`/api/admin/export.csv?${MARCH}`, bearer);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv; charset=utf-8/);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="bao-cao-phong-trao-2025-03-01_2025-03-31.csv"');
    const bytes = Buffer.from(await res.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = csvRows(bytes.toString('utf8'));
    expect(rows).toEqual([
      'Tổ chức;Xã/phường;Người tham gia đã đăng ký;Người được tiếp cận;Câu hỏi đã trả lời;Câu hỏi chưa trả lời được;Bài kiểm tra hoàn thành;Bài kiểm tra đạt;Tỷ lệ đạt;Lượt đăng ký;Lượt kiểm tra tin lừa đảo',
      'Đoàn Thanh niên;Xã Mường Kim;1;0;2;0;1;1;100,0%;1;0',
      'Hội Nông dân;Xã Mường Kim;2;0;3;1;2;1;50,0%;2;0',
      'Hội Nông dân;Phường Tân Phong;1;0;0;0;1;1;100,0%;1;0',
      'Chưa đăng ký;;0;5;4;2;1;0;0,0%;0;0',
      'Tổng cộng;;4;5;9;3;5;3;60,0%;4;0',
    ]);
  });

  it('CSV ?rows=events: one line per event, Vietnam time, pseudonymous keys', async () => {
    const res = await get(`/api/admin/export.csv?${MARCH}&rows=events&organisation=${encodeURIComponent(DOAN)}`, bearer);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="su-kien-phong-trao-2025-03-01_2025-03-31-doan-thanh-nien.csv"');
    const rows = csvRows(await res.text());
    expect(rows[0]).toBe('Thời gian (giờ Việt Nam);Loại sự kiện;Kênh;Mã người dùng;Tổ chức;Xã/phường;Bài kiểm tra;Điểm;Tổng;Đạt;Kết luận;Dấu hiệu lừa đảo');
    expect(rows).toHaveLength(1 + 5);
    // Dates as dd/mm/yyyy, like every other date staff read.
    expect(rows[1]).toBe(`15/03/2025 19:00:00;Đăng ký tham gia;Telegram;${k4};Đoàn Thanh niên;Xã Mường Kim;;;;;;`);
    expect(rows[5]).toMatch(new RegExp(`^15/03/2025 19:04:00;Hoàn thành bài kiểm tra;Telegram;${k4.replace(/[-]/g, '\\-')};Đoàn Thanh niên;Xã Mường Kim;[^;]+;8;10;Có;;$`));
  });

  it('XLSX: both sheets, the same numbers, pseudonymous keys only', async () => {
    const res = await get('/api/admin/export.xlsx?from=2025-03-01', bearer);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="bao-cao-phong-trao-2025-03-01_\d{4}-\d{2}-\d{2}\.xlsx"$/);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(await res.arrayBuffer()) as unknown as ArrayBuffer);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['Tổng hợp', 'Kiểm tra tin lừa đảo', 'Sự kiện']);

    const sum = wb.getWorksheet('Tổng hợp')!;
    const values: unknown[][] = [];
    sum.eachRow((r) => values.push((r.values as unknown[]).slice(1)));
    const headerAt = values.findIndex((r) => r[0] === 'Tổ chức' && r[1] === 'Xã/phường');
    expect(headerAt).toBeGreaterThan(0);
    expect(values.slice(0, headerAt).flat().join(' ')).toMatch(/Kỳ báo cáo .*từ 01\/03\/2025/);
    const body = values.slice(headerAt + 1);
    const row = (org: string, unit: string) => body.find((r) => r[0] === org && r[1] === unit);
    // Includes today's chat registration (Hội Nông dân, first commune) besides the March data.
    expect(row(DOAN, 'Xã Mường Kim')).toEqual([DOAN, 'Xã Mường Kim', 1, 0, 2, 0, 1, 1, 1, 1, 0]);
    expect(row(NONG_DAN, 'Phường Tân Phong')).toEqual([NONG_DAN, 'Phường Tân Phong', 1, 0, 0, 0, 1, 1, 1, 1, 0]);
    // Subtotal of an organisation spread over several communes: people counted once.
    const sub = body.find((r) => r[0] === `Cộng ${NONG_DAN}`)!;
    expect([sub[2], sub[6], sub[7], sub[9]]).toEqual([4, 3, 2, 4]);
    const total = body.find((r) => r[0] === 'Tổng cộng')!;
    // Numbers stay numbers, the pass rate a fraction formatted as a percentage.
    expect(total.slice(2, 10)).toEqual([5, expect.any(Number), expect.any(Number), expect.any(Number), 5, 3, 0.6, 5]);
    let rateCell: ExcelJS.Cell | undefined;
    sum.eachRow((r) => { if (r.getCell(1).value === 'Tổng cộng') rateCell = r.getCell(9); });
    expect([rateCell?.value, rateCell?.numFmt]).toEqual([0.6, '0.0%']);
    // "Ngày lập" is written like every other date: dd/mm/yyyy.
    expect(values.find((r) => r[0] === 'Ngày lập')?.[1]).toMatch(/^\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}:\d{2} \(giờ Việt Nam\)$/);

    const ev = wb.getWorksheet('Sự kiện')!;
    expect((ev.getRow(1).values as unknown[]).slice(1)).toEqual([
      'Thời gian (giờ Việt Nam)', 'Loại sự kiện', 'Kênh', 'Mã người dùng', 'Tổ chức', 'Xã/phường', 'Bài kiểm tra', 'Điểm', 'Tổng', 'Đạt',
      'Kết luận', 'Dấu hiệu lừa đảo',
    ]);
    const stats = await getJson('/api/admin/stats?from=2025-03-01');
    expect(ev.actualRowCount - 1).toBe(stats.events);
    const first = ev.getRow(2).values as unknown[];
    // 2025-03-01 00:30 in Vietnam, shown as wall-clock time.
    expect((first[1] as Date).toISOString()).toBe('2025-03-01T00:30:00.000Z');
    expect(first[2]).toBe('Liên hệ lần đầu');

    const userKeys = new Set<string>();
    ev.eachRow((r, n) => { if (n > 1 && r.getCell(4).value) userKeys.add(String(r.getCell(4).value)); });
    expect(userKeys.has(`'${k1}`)).toBe(true);
    for (const k of [k2, k3, k4]) expect(userKeys.has(k)).toBe(true);
    for (const k of userKeys) expect(k).toMatch(/^'?[A-Za-z0-9_-]{22}$/);
    expect(userKeys.size).toBe(5); // the four seeded people and the one who registered through chat
    // The raw platform id never appears anywhere in the workbook.
    for (const ws of wb.worksheets) ws.eachRow((r) => r.eachCell((c) => expect(String(c.value)).not.toContain(RAW_USER_ID)));
  });

  it('names each metric the same in the stats API (which the dashboard shows), the CSV and the XLSX', async () => {
    const stats = await getJson(`/api/admin/stats?${MARCH}`);
    const fromApi = [stats.labels.dimensions.organisation, stats.labels.dimensions.unit, ...stats.labels.reportMetrics.map((m: string) => stats.labels.metrics[m])];
    const csv = csvRows(await (await get(`/api/admin/export.csv?${MARCH}`, bearer)).text())[0]!.split(';');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(await (await get(`/api/admin/export.xlsx?${MARCH}`, bearer)).arrayBuffer()) as unknown as ArrayBuffer);
    let xlsx: unknown[] = [];
    wb.getWorksheet('Tổng hợp')!.eachRow((r) => { if (r.getCell(1).value === 'Tổ chức' && r.getCell(2).value === 'Xã/phường') xlsx = (r.values as unknown[]).slice(1); });
    expect(csv).toEqual(fromApi);
    expect(xlsx).toEqual(fromApi);
    expect(new Set(Object.values(stats.labels.metrics)).size).toBe(Object.keys(stats.labels.metrics).length);
    expect(stats.labels.metrics.quizCompleted).toBe('Bài kiểm tra hoàn thành');
  });

  it('writes every export to the audit log with who, format and filters', async () => {
    await get(`/api/admin/export.csv?from=2025-03-02&channel=zalo`, bearer);
    const audit = (await side.staff.listAudit(50)).filter((a) => a.action === 'export');
    const last = audit[0]!;
    expect(last.actor).toBe('admin-token');
    expect(JSON.parse(last.detail)).toMatchObject({ format: 'csv', rows: 'summary', filter: { from: '2025-03-02', channel: 'zalo' } });
    expect(audit.some((a) => a.actor === 'viewer.nd' && JSON.parse(a.detail).filter.organisation === NONG_DAN)).toBe(true);
    expect(audit.some((a) => JSON.parse(a.detail).format === 'xlsx')).toBe(true);
  });

  it('continues the event rows on a new sheet past the per-sheet row limit', async () => {
    const { writeXlsx } = await import('../../src/participation/export-xlsx.js');
    const { vnDayEnd, vnDayStart } = await import('../../src/participation/stats.js');
    const { PassThrough } = await import('node:stream');
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    const filter = { from: vnDayStart('2025-03-01'), to: vnDayEnd('2025-03-31') };
    const rows = await writeXlsx(out, side.participation, filter, {}, { fromDay: '2025-03-01', toDay: '2025-03-31', generatedAt: new Date() }, undefined, 20);
    expect(rows).toBe(MARCH_EVENTS);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.concat(chunks) as unknown as ArrayBuffer);
    expect(wb.worksheets.map((w) => [w.name, w.actualRowCount])).toEqual([
      ['Tổng hợp', expect.any(Number)], ['Kiểm tra tin lừa đảo', expect.any(Number)], ['Sự kiện', 21], ['Sự kiện (2)', 21], ['Sự kiện (3)', 2],
    ]);
  });

  it('defuses formulas in CSV cells', async () => {
    const { csvField } = await import('../../src/participation/export.js');
    expect(csvField('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvField('+1')).toBe("'+1");
    expect(csvField('-2+3')).toBe("'-2+3");
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField('a,b')).toBe('a,b');
    expect(csvField('dòng 1\ndòng 2')).toBe('"dòng 1\ndòng 2"');
    expect(csvField(-5)).toBe('-5');
    // The separator is ";" (Vietnamese Excel); a decimal is written with a comma, as the dashboard shows it.
    expect(csvField('a;b')).toBe('"a;b"');
    expect(csvField(66.7)).toBe('66,7');
  });
});
