import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import ExcelJS from 'exceljs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, tempDir, type TestApp } from '../helpers/app.js';
import { sqliteStore } from '../helpers/stores.js';
import { postgresStore } from '../helpers/stores.js';
import { PG_URL, needs } from '../helpers/services.js';

const TSX = path.resolve('node_modules/.bin/tsx');

/** Runs `npm run admin -- ...` the way an operator would (without npm's own output). */
function cli(args: string[], env: Record<string, string>, stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(TSX, ['scripts/admin.ts', ...args], { env: { ...process.env, LOG_LEVEL: 'silent', ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
    child.stdin!.end(stdin ?? '');
  });
}

describe('admin CLI on SQLite', () => {
  const dataDir = tempDir('bdhvs-admin-cli-');
  const env = { DATA_DIR: dataDir };
  let t: TestApp | undefined;
  afterAll(async () => { await t?.stop(); });

  it('adds accounts (password as option or piped), lists them, refuses bad input', async () => {
    const a = await cli(['add-user', 'Chu.Tich', '--role', 'admin', '--password', 'mat-khau-rat-dai-1'], env);
    expect(a.code).toBe(0);
    expect(a.stdout).toMatch(/Đã tạo tài khoản chu\.tich \(admin\)/);
    const v = await cli(['add-user', 'phunu.sinho', '--role', 'viewer', '--organisation', 'hoi lien hiep phu nu'], env, 'mat-khau-phu-nu-2\n');
    expect(v.code).toBe(0);
    expect(v.stdout.trim()).toBe('Đã tạo tài khoản phunu.sinho (viewer, Hội Liên hiệp Phụ nữ).');

    const list = await cli(['list-users'], env);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/chu\.tich\s+admin\s+\(tất cả\)/);
    expect(list.stdout).toMatch(/phunu\.sinho\s+viewer\s+Hội Liên hiệp Phụ nữ/);
    expect(list.stdout).not.toMatch(/scrypt/);

    for (const bad of [
      ['add-user', 'x1', '--role', 'admin', '--password', 'mat-khau-rat-dai-1'],
      ['add-user', 'someone', '--role', 'owner', '--password', 'mat-khau-rat-dai-1'],
      ['add-user', 'someone', '--role', 'viewer', '--password', 'mat-khau-rat-dai-1'],
      ['add-user', 'someone', '--role', 'viewer', '--organisation', 'Hội Không Có', '--password', 'mat-khau-rat-dai-1'],
      ['add-user', 'someone', '--role', 'admin', '--password', 'ngan'],
      ['no-such-command'],
    ]) {
      const r = await cli(bad, env);
      expect(r.code, bad.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/Cách dùng/);
    }
  });

  it('creates accounts the server accepts; disabling one ends its sessions', async () => {
    t = await startTestApp({ DATA_DIR: dataDir });
    const login = await fetch(`${t.url}/api/admin/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'phunu.sinho', password: 'mat-khau-phu-nu-2' }),
    });
    expect(login.status).toBe(200);
    expect(await login.json()).toMatchObject({ role: 'viewer', organisation: 'Hội Liên hiệp Phụ nữ' });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    expect((await fetch(`${t.url}/api/admin/me`, { headers: { cookie } })).status).toBe(200);

    expect((await cli(['disable-user', 'phunu.sinho'], env)).code).toBe(0);
    expect((await fetch(`${t.url}/api/admin/me`, { headers: { cookie } })).status).toBe(401);
    expect((await cli(['list-users'], env)).stdout).toMatch(/phunu\.sinho.*\[đã khoá\]/);
    const store = sqliteStore(path.join(dataDir, 'bot.sqlite'));
    expect(await store.staff.deleteStaffSessionsOf('phunu.sinho')).toBe(0); // none left behind to come back to life
    await store.close();
  });

  it('resetting a password (add-user on an existing account) ends the sessions opened with the old one', async () => {
    t ??= await startTestApp({ DATA_DIR: dataDir });
    const login = (password: string) => fetch(`${t!.url}/api/admin/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'chu.tich', password }),
    });
    const before = await login('mat-khau-rat-dai-1');
    expect(before.status).toBe(200);
    const cookie = before.headers.get('set-cookie')!.split(';')[0]!;
    expect((await fetch(`${t.url}/api/admin/me`, { headers: { cookie } })).status).toBe(200);

    const reset = await cli(['add-user', 'chu.tich', '--role', 'admin', '--password', 'mat-khau-moi-hoan-toan-2'], env);
    expect(reset.code).toBe(0);
    expect((await fetch(`${t.url}/api/admin/me`, { headers: { cookie } })).status).toBe(401);
    expect((await login('mat-khau-rat-dai-1')).status).toBe(401);
    const after = await login('mat-khau-moi-hoan-toan-2');
    expect(after.status).toBe(200);
    expect((await fetch(`${t.url}/api/admin/me`, { headers: { cookie: after.headers.get('set-cookie')!.split(';')[0]! } })).status).toBe(200);
  });

  it('verifies completion codes', async () => {
    const side = sqliteStore(path.join(dataDir, 'bot.sqlite'));
    await side.participation.saveCompletionCode({ code: 'BDHVS-ABCD-EFGH', quizId: 'lua-dao', score: 11, total: 12, at: new Date('2026-10-20T02:30:00Z') });
    await side.close();
    const ok = await cli(['verify-code', 'bdhvs-abcd-efgh'], env);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/Mã BDHVS-ABCD-EFGH: bài ".+", đúng 11\/12 câu, ngày 2026-10-20 09:30:00 \(giờ Việt Nam\)/);
    const missing = await cli(['verify-code', 'BDHVS-0000-0000'], env);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toMatch(/Không tìm thấy/);
  });
});

// The same API over PostgreSQL, when a server is reachable (CI and the dev box have one).
const pgAvailable = await needs('postgres');

describe.skipIf(!pgAvailable)('admin on PostgreSQL', () => {
  const schema = `admin_${crypto.randomBytes(4).toString('hex')}`;
  const url = `${PG_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  const root = new pg.Client({ connectionString: PG_URL });
  let t: TestApp;
  beforeAll(async () => {
    await root.connect();
    await root.query(`CREATE SCHEMA ${schema}`);
    t = await startTestApp({ DATABASE_URL: url, ADMIN_TOKEN: 'test-admin-token-123456' });
    const s = postgresStore(url);
    const at = (d: string) => new Date(`${d}T09:00:00+07:00`);
    for (let i = 0; i < 3; i++) await s.participation.recordEvent({ at: at('2025-06-01'), type: 'contact', channel: 'zalo' });
    await s.participation.recordEvent({ at: at('2025-06-02'), type: 'registration', channel: 'zalo', userKey: 'k'.repeat(22), organisation: 'Hội Nông dân', unit: 'Sìn Hồ' });
    await s.participation.recordEvent({ at: at('2025-06-02'), type: 'quiz_completed', channel: 'zalo', userKey: 'k'.repeat(22), organisation: 'Hội Nông dân', unit: 'Sìn Hồ', quizId: 'vneid', score: 10, total: 12, passed: true });
    await s.close();
  });
  afterAll(async () => {
    await t?.stop();
    await root.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await root.end();
  });

  it('adds and lists accounts, serves stats and both exports', async () => {
    expect((await cli(['add-user', 'pg.admin', '--role', 'admin', '--password', 'mat-khau-rat-dai-1'], { DATABASE_URL: url })).code).toBe(0);
    expect((await cli(['list-users'], { DATABASE_URL: url })).stdout).toMatch(/pg\.admin\s+admin/);

    const login = await fetch(`${t.url}/api/admin/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'pg.admin', password: 'mat-khau-rat-dai-1' }),
    });
    expect(login.status).toBe(200);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const stats = await (await fetch(`${t.url}/api/admin/stats?from=2025-06-01&to=2025-06-30`, { headers: { cookie } })).json() as any;
    expect(stats.totals).toMatchObject({ reached: 3, registrations: 1, quizCompleted: 1, quizPassed: 1, participants: 1 });

    const csv = await (await fetch(`${t.url}/api/admin/export.csv?from=2025-06-01&to=2025-06-30`, { headers: { cookie } })).text();
    expect(csv).toContain('Hội Nông dân;Xã Sìn Hồ;1;0;0;0;1;1;100,0%;1');
    const res = await fetch(`${t.url}/api/admin/export.xlsx?from=2025-06-01&to=2025-06-30`, { headers: { authorization: 'Bearer test-admin-token-123456' } });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(await res.arrayBuffer()) as unknown as ArrayBuffer);
    expect(wb.getWorksheet('Sự kiện')!.actualRowCount).toBe(1 + 5);
    const { rows } = await root.query(`SELECT actor, action FROM ${schema}.audit_log WHERE action = 'export' ORDER BY id`);
    expect(rows).toEqual([{ actor: 'pg.admin', action: 'export' }, { actor: 'admin-token', action: 'export' }]);
  });
});
