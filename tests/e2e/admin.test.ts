import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { launchBrowser } from '../helpers/browser.js';
import { sqliteStore } from '../helpers/stores.js';
import { hashPassword } from '../../src/admin/passwords.js';
import type { ParticipationEvent } from '../../src/storage/types.js';

const TOKEN = 'test-admin-token-123456';
let t: TestApp;
let browser: Browser;

/** 2025 in Vietnam time: enough to draw a line and bars. */
function events(): ParticipationEvent[] {
  const at = (d: string) => new Date(`${d}T10:00:00+07:00`);
  const person = (k: string, organisation: string, unit: string) => ({ userKey: k.padEnd(22, 'x'), organisation, unit });
  const a = person('nongdan-a', 'Hội Nông dân', 'Mường Kim');
  const b = person('phunu-b', 'Hội Liên hiệp Phụ nữ', 'Sìn Hồ');
  const list: ParticipationEvent[] = [];
  for (let i = 0; i < 7; i++) list.push({ at: at('2025-05-02'), type: 'contact', channel: 'zalo' });
  for (let i = 0; i < 5; i++) list.push({ at: at('2025-05-03'), type: 'contact', channel: 'messenger' });
  list.push(
    { at: at('2025-05-02'), type: 'registration', channel: 'zalo', ...a },
    { at: at('2025-05-03'), type: 'registration', channel: 'messenger', ...b },
    { at: at('2025-05-03'), type: 'question_answered', channel: 'zalo', ...a },
    { at: at('2025-05-04'), type: 'question_answered', channel: 'messenger', ...b },
    { at: at('2025-05-04'), type: 'question_unanswered', channel: 'web' },
    { at: at('2025-05-05'), type: 'quiz_completed', channel: 'zalo', quizId: 'vneid', score: 10, total: 12, passed: true, ...a },
    { at: at('2025-05-05'), type: 'quiz_completed', channel: 'messenger', quizId: 'vneid', score: 6, total: 12, passed: false, ...b },
    { at: at('2026-01-10'), type: 'contact', channel: 'web' },
  );
  return list;
}

beforeAll(async () => {
  t = await startTestApp({ ADMIN_TOKEN: TOKEN });
  const side = sqliteStore(path.join(t.dataDir, 'bot.sqlite'));
  for (const e of events()) await side.participation.recordEvent(e);
  await side.staff.saveStaffUser({ username: 'canbo', passwordHash: await hashPassword('mat-khau-can-bo-1'), role: 'admin' });
  await side.participation.recordUnanswered('web', 'lịch tiêm phòng cho trâu bò', new Date('2025-05-04T03:00:00Z'), 'k-e2e');
  await side.close();
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

async function setPeriod(page: Page, from: string, to: string): Promise<void> {
  await page.locator('#f-from').fill(from);
  await page.locator('#f-to').fill(to);
}

describe('admin dashboard', () => {
  it('logs in, filters, shows numbers and charts, downloads the XLSX and CSV (phone screen)', async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, acceptDownloads: true });
    const page = await context.newPage();
    await page.goto(`${t.url}/admin`);

    // Closed until logged in.
    await page.locator('#login-form').waitFor();
    expect(await page.locator('#dash').isHidden()).toBe(true);
    await page.getByLabel('Tên đăng nhập').fill('canbo');
    await page.getByLabel('Mật khẩu', { exact: true }).fill('sai-mat-khau');
    await page.getByRole('button', { name: 'Đăng nhập', exact: true }).click();
    await expect.poll(() => page.locator('#login-error').textContent()).toMatch(/không đúng/);
    await page.getByLabel('Mật khẩu', { exact: true }).fill('mat-khau-can-bo-1');
    await page.getByRole('button', { name: 'Đăng nhập', exact: true }).click();
    await page.locator('#dash').waitFor();
    await expect.poll(() => page.locator('#who-name').textContent()).toMatch(/canbo/);

    // The period of May 2025 and one organisation.
    await setPeriod(page, '2025-05-01', '2025-05-31');
    await page.getByRole('button', { name: 'Xem số liệu' }).click();
    await expect.poll(() => page.locator('#card-reached .value').textContent()).toBe('12');
    expect(await page.locator('#card-web-sessions .value').textContent()).toBe('0');
    expect(await page.locator('#card-answered .value').textContent()).toBe('2');
    expect(await page.locator('#card-unanswered .value').textContent()).toBe('1');
    expect(await page.locator('#card-completed .value').textContent()).toBe('2');
    expect(await page.locator('#card-passrate .value').textContent()).toBe('50%');

    // Charts are drawn: a line per series over 31 days, a bar per organisation with people.
    expect(await page.locator('#chart-days svg path.line').count()).toBe(3);
    expect(await page.locator('#chart-orgs svg rect.bar:not(.muted)').count()).toBe(2);
    expect(await page.locator('#chart-units svg rect.bar').count()).toBe(2);
    expect(await page.locator('#table-units tbody tr').count()).toBeGreaterThanOrEqual(38);
    await expect.poll(() => page.locator('#list-unanswered').textContent()).toContain('lịch tiêm phòng cho trâu bò');

    await page.locator('#f-organisation').selectOption('Hội Nông dân');
    await page.getByRole('button', { name: 'Xem số liệu' }).click();
    await expect.poll(() => page.locator('#card-participants .value').textContent()).toBe('1');
    expect(await page.locator('#card-passrate .value').textContent()).toBe('100%');
    expect(await page.locator('#chart-orgs svg rect.bar:not(.muted)').count()).toBe(1);

    // Nothing wider than the phone screen.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);

    // XLSX with the current filters.
    const [xlsx] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Tải Excel (.xlsx)' }).click()]);
    expect(xlsx.suggestedFilename()).toBe('bao-cao-phong-trao-2025-05-01_2025-05-31-hoi-nong-dan.xlsx');
    const file = await xlsx.path();
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['Tổng hợp', 'Sự kiện']);
    const rows: unknown[][] = [];
    wb.getWorksheet('Tổng hợp')!.eachRow((r) => rows.push((r.values as unknown[]).slice(1)));
    expect(rows.find((r) => r[0] === 'Hội Nông dân' && r[1] === 'Xã Mường Kim')).toEqual(['Hội Nông dân', 'Xã Mường Kim', 1, 1, 0, 1, 1, 1, 1]);
    expect(rows.some((r) => r[0] === 'Hội Liên hiệp Phụ nữ')).toBe(false);
    expect(wb.getWorksheet('Sự kiện')!.actualRowCount).toBe(1 + 3);

    // CSV of the same filters.
    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Tải CSV tổng hợp' }).click()]);
    expect(csv.suggestedFilename()).toBe('bao-cao-phong-trao-2025-05-01_2025-05-31-hoi-nong-dan.csv');
    const text = fs.readFileSync(await csv.path(), 'utf8');
    expect(text.charCodeAt(0)).toBe(0xfeff);
    expect(text).toContain('Hội Nông dân,Xã Mường Kim,1,1,0,1,1,100.0%,1');
    await expect.poll(() => page.locator('#dl-status').textContent()).toMatch(/Đã tải xong/);

    // Logging out closes the data again.
    await page.getByRole('button', { name: 'Đăng xuất' }).click();
    await page.locator('#login-form').waitFor();
    const after = await page.evaluate(async () => (await fetch('/api/admin/stats')).status);
    expect(after).toBe(401);
    await context.close();
  });

  it('works with the pasted admin token on a desktop screen, and checks a completion code', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${t.url}/admin/`);
    await page.locator('#login-form').waitFor();
    await page.locator('summary').click();
    await page.locator('#token').fill(TOKEN);
    await page.getByRole('button', { name: 'Dùng mã này' }).click();
    await page.locator('#dash').waitFor();
    await setPeriod(page, '2025-01-01', '2025-12-31');
    await page.locator('#f-channel').selectOption('messenger');
    await page.getByRole('button', { name: 'Xem số liệu' }).click();
    await expect.poll(() => page.locator('#card-reached .value').textContent()).toBe('5');
    expect(await page.locator('#chart-channels svg rect.bar').count()).toBe(1);

    await page.locator('#code').fill('BDHVS-KHONG-CO');
    await page.getByRole('button', { name: 'Kiểm tra' }).click();
    await expect.poll(() => page.locator('#code-result').textContent()).toMatch(/Không tìm thấy mã/);
    await context.close();
  });
});
