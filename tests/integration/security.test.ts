import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { hashPassword } from '../../src/admin/passwords.js';
import { Participation } from '../../src/participation/recorder.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { requestFrom } from '../helpers/http-from.js';
import { sqliteStore } from '../helpers/stores.js';

/** The holes found under attack in issue 11, each tried again through the real server on loopback. */

const TOKEN = 'security-admin-token-0123456789';
const PASSWORD = 'mat-khau-dung-rat-dai';
const SECRET = 'pseudonym-secret-for-security-tests';
const DIRECT = '127.0.0.2'; // a client connecting straight to the server
const PROXY = '127.0.0.1'; // the one reverse proxy the operator declared
let t: TestApp;

const loginBody = (username: string, password: string) => JSON.stringify({ username, password });
const statuses = (xs: { status: number }[]) => xs.reduce<Record<number, number>>((m, x) => ({ ...m, [x.status]: (m[x.status] ?? 0) + 1 }), {});

beforeAll(async () => {
  t = await startTestApp({
    TRUST_PROXY: PROXY, ADMIN_TOKEN: TOKEN, PSEUDONYM_SECRET: SECRET,
    WEBCHAT_LIMIT_PER_IP: '5', WEBCHAT_LIMIT_PER_USER: '100', WEBCHAT_NEW_SESSIONS_PER_IP: '3',
  });
  const side = sqliteStore(path.join(t.dataDir, 'bot.sqlite'));
  for (const u of ['guessed', 'raced', 'proxied-a', 'proxied-b']) await side.staff.saveStaffUser({ username: u, passwordHash: await hashPassword(PASSWORD), role: 'admin' });
  await side.close();
});
afterAll(async () => { await t.stop(); });

describe('TRUST_PROXY', () => {
  it('refuses "true" (trust everyone) and takes hop counts, addresses, ranges and names', () => {
    expect(() => loadConfig({ TRUST_PROXY: 'true' })).toThrow(/TRUST_PROXY: không nhận "true"/);
    expect(() => loadConfig({ TRUST_PROXY: 'everyone' })).toThrow(/TRUST_PROXY/);
    expect(() => loadConfig({ TRUST_PROXY: '10.0.0.0/33' })).toThrow(/TRUST_PROXY/);
    expect(loadConfig({ TRUST_PROXY: '1' }).TRUST_PROXY).toBe(1);
    expect(loadConfig({ TRUST_PROXY: 'false' }).TRUST_PROXY).toBe(false);
    expect(loadConfig({}).TRUST_PROXY).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 172.28.0.10,10.0.0.0/8,fd00::/8' }).TRUST_PROXY).toEqual(['loopback', '172.28.0.10', '10.0.0.0/8', 'fd00::/8']);
  });

  it('a direct client cannot pick its address with X-Forwarded-For: wrong passwords', async () => {
    const tries = [];
    for (let i = 0; i < 12; i++) {
      tries.push(await requestFrom(DIRECT, `${t.url}/api/admin/login`, {
        body: loginBody('guessed', `sai-${i}`), headers: { 'x-forwarded-for': `198.51.100.${i}` },
      }));
    }
    expect(statuses(tries)).toEqual({ 401: 5, 429: 7 });
    // The account is locked for this address even for the right password.
    const right = await requestFrom(DIRECT, `${t.url}/api/admin/login`, { body: loginBody('guessed', PASSWORD), headers: { 'x-forwarded-for': '198.51.100.200' } });
    expect(right.status).toBe(429);
  });

  it('a direct client cannot pick its address with X-Forwarded-For: wrong admin tokens', async () => {
    const tries = [];
    for (let i = 0; i < 30; i++) {
      tries.push(await requestFrom(DIRECT, `${t.url}/api/admin/me`, {
        headers: { authorization: `Bearer wrong-token-${i}-xxxxxxxx`, 'x-forwarded-for': `203.0.113.${i}` },
      }));
    }
    // The address made 13 login attempts above: 20 attempts per 15 minutes leave 7.
    expect(statuses(tries)).toEqual({ 401: 7, 429: 23 });
  });

  it('a direct client cannot pick its address with X-Forwarded-For: web chat messages', async () => {
    const tries = [];
    for (let i = 0; i < 10; i++) {
      tries.push(await requestFrom('127.0.0.3', `${t.url}/api/chat`, {
        body: JSON.stringify({ userId: 'web-direct', text: 'menu' }), headers: { 'x-forwarded-for': `192.0.2.${i}` },
      }));
    }
    expect(statuses(tries)).toEqual({ 200: 5, 429: 5 });
  });

  it('behind the declared proxy, each forwarded client has its own limits', async () => {
    const viaProxy = (client: string, username: string, password: string) => requestFrom(PROXY, `${t.url}/api/admin/login`, {
      body: loginBody(username, password), headers: { 'x-forwarded-for': client },
    });
    const a = [];
    for (let i = 0; i < 7; i++) a.push(await viaProxy('203.0.113.7', 'proxied-a', `sai-${i}`));
    expect(statuses(a)).toEqual({ 401: 5, 429: 2 });
    // Another citizen behind the same proxy is not affected, and a client cannot hide behind a made-up hop.
    expect((await viaProxy('203.0.113.8', 'proxied-a', PASSWORD)).status).toBe(200);
    expect((await viaProxy('10.9.9.9, 203.0.113.7', 'proxied-a', PASSWORD)).status).toBe(429);
  });
});

describe('login limits are counted before the password check', () => {
  it('lets at most 5 of 30 simultaneous guesses be checked, and a locked account stays locked', async () => {
    const guesses = Array.from({ length: 30 }, (_, i) => (i === 29 ? PASSWORD : `sai-dong-thoi-${i}`));
    const answers = await Promise.all(guesses.map((password) => requestFrom('127.0.0.4', `${t.url}/api/admin/login`, { body: loginBody('raced', password) })));
    const s = statuses(answers);
    expect((s[401] ?? 0) + (s[200] ?? 0)).toBeLessThanOrEqual(5);
    expect(s[429]).toBeGreaterThanOrEqual(25);
    const after = await requestFrom('127.0.0.4', `${t.url}/api/admin/login`, { body: loginBody('raced', PASSWORD) });
    if (!s[200]) expect(after.status).toBe(429);
  });
});

describe('web chat identity', () => {
  it('limits the new user ids one address may start, while known ones keep talking', async () => {
    const chat = (userId: string) => requestFrom('127.0.0.5', `${t.url}/api/chat`, { body: JSON.stringify({ userId, text: 'menu' }) });
    expect((await chat('hall-1')).status).toBe(200);
    expect((await chat('hall-2')).status).toBe(200);
    expect((await chat('hall-3')).status).toBe(200);
    const fourth = await chat('hall-4');
    expect(fourth.status).toBe(429);
    expect(JSON.parse(fourth.body).error.message).toMatch(/quá nhiều người mới/);
    expect((await chat('hall-1')).status).toBe(200);
    // The refused id was not started: nothing about it is kept.
    const store = sqliteStore(path.join(t.dataDir, 'bot.sqlite'));
    const recorder = new Participation(store.participation, SECRET);
    expect(await store.conversations.getState(recorder.userKey('web', 'hall-4'))).toBeUndefined();
    expect(await store.conversations.getState(recorder.userKey('web', 'hall-1'))).toBeDefined();
    await store.close();
  });
});

describe('kept questions are redacted whatever their length', () => {
  it('stores a 20,000-character unanswered question with its e-mail and phone masked', async () => {
    const long = await startTestApp({ MAX_TEXT_LENGTH: '20000' });
    try {
      const question = `Hỏi lịch tập huấn VNeID, email lan.nguyen@gmail.com, số 0912 345 678 ${'ầ'.repeat(19_900)}`;
      await long.chat('long-q', { text: question });
      const store = sqliteStore(path.join(long.dataDir, 'bot.sqlite'));
      const [kept] = await store.participation.listUnanswered(1);
      await store.close();
      expect(kept!.text).toBe(`Hỏi lịch tập huấn VNeID, email [email], số [10 chữ số] ${'ầ'.repeat(19_900)}`);
    } finally {
      await long.stop();
    }
  });
});

describe('exports', () => {
  const bearer = { authorization: `Bearer ${TOKEN}` };

  it('HEAD answers the headers without running or auditing the export', async () => {
    for (const p of ['/api/admin/export.xlsx', '/api/admin/export.csv?rows=events']) {
      const res = await fetch(`${t.url}${p}`, { method: 'HEAD', headers: bearer });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-disposition')).toMatch(/attachment; filename=".*\.(xlsx|csv)"/);
    }
    expect((await fetch(`${t.url}/api/admin/export.csv?from=nope`, { method: 'HEAD', headers: bearer })).status).toBe(400);
    const store = sqliteStore(path.join(t.dataDir, 'bot.sqlite'));
    expect((await store.staff.listAudit(100)).filter((a) => a.action === 'export')).toEqual([]);
    await store.close();
  });

  it('writes a pseudonym starting with "-" the same way in CSV and XLSX, never as a formula', async () => {
    const store = sqliteStore(path.join(t.dataDir, 'bot.sqlite'));
    const recorder = new Participation(store.participation, SECRET);
    let n = 0;
    while (!recorder.userKey('web', `dash-${n}`).startsWith('-')) n++;
    const key = recorder.userKey('web', `dash-${n}`);
    await store.participation.recordEvent({ at: new Date(), type: 'registration', channel: 'web', userKey: key, organisation: 'Hội Nông dân' });
    await store.close();

    const csv = await (await fetch(`${t.url}/api/admin/export.csv?rows=events`, { headers: bearer })).text();
    const csvCell = csv.split('\r\n').map((l) => l.split(';')[3]).find((c) => c?.includes(key.slice(1)));
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(await (await fetch(`${t.url}/api/admin/export.xlsx`, { headers: bearer })).arrayBuffer()) as never);
    let xlsxCell: unknown;
    wb.getWorksheet('Sự kiện')!.eachRow((row) => { const v = row.getCell(4).value; if (String(v).includes(key.slice(1))) xlsxCell = v; });
    expect(csvCell).toBe(`'${key}`);
    expect(xlsxCell).toBe(csvCell);
  });
});
