import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { launchBrowser } from '../helpers/browser.js';
import { needs } from '../helpers/services.js';
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

const ready = await needs('chromium');
beforeAll(async () => {
  if (!ready) return;
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

const SHOTS = path.join('tests', 'e2e', 'tmp-screenshots');

interface TableView { id: string; scrollable: boolean; cue: boolean; headers: { text: string; visible: boolean; reachable: boolean }[] }

/**
 * For every table of the dashboard: is each column header inside the visible part of its scroll box, and,
 * when the box scrolls, is there a visible cue and can each hidden column be scrolled into view beside the
 * first column (which stays put).
 */
async function tableViews(page: Page): Promise<TableView[]> {
  return page.evaluate(() => {
    const inside = (el: Element, box: DOMRect) => {
      const r = el.getBoundingClientRect();
      return r.width > 0 && r.left >= box.left - 1 && r.right <= box.right + 1;
    };
    return [...document.querySelectorAll<HTMLElement>('.table-wrap')].filter((w) => w.offsetParent !== null).map((wrap) => {
      const box = wrap.getBoundingClientRect();
      const ths = [...wrap.querySelectorAll('thead th')];
      const visible = ths.map((th) => inside(th, box));
      const scrollable = wrap.scrollWidth > wrap.clientWidth + 1;
      const hint = wrap.previousElementSibling as HTMLElement | null;
      const cue = Boolean(hint?.classList.contains('scroll-hint') && !hint.hidden && hint.offsetHeight > 0) && getComputedStyle(wrap).boxShadow !== 'none';
      const sticky = ths[0]?.getBoundingClientRect().width ?? 0;
      const reachable = ths.map((th, i) => {
        if (i === 0) return visible[0]!;
        wrap.scrollLeft = (th as HTMLElement).offsetLeft - sticky;
        const r = th.getBoundingClientRect();
        return inside(th, box) && r.left >= box.left + sticky - 1;
      });
      wrap.scrollLeft = 0;
      return {
        id: wrap.querySelector('table')!.id, scrollable, cue,
        headers: ths.map((th, i) => ({ text: th.textContent ?? '', visible: visible[i]!, reachable: reachable[i]! })),
      };
    });
  });
}

async function setPeriod(page: Page, from: string, to: string): Promise<void> {
  await page.locator('#f-from').fill(from);
  await page.locator('#f-to').fill(to);
}

describe.skipIf(!ready)('admin dashboard', () => {
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

    // The staff loop: the question attached to a section in one click, then the edit taken back.
    const question = page.locator('#list-unanswered > li').filter({ hasText: 'lịch tiêm phòng cho trâu bò' });
    await question.getByLabel('Mục trả lời câu này').selectOption('kns-hoc-ky-nang-so-o-dau#2');
    await question.getByRole('button', { name: 'Thêm làm câu hỏi mẫu' }).click();
    await expect.poll(() => page.locator('#knowledge-status').textContent()).toMatch(/^Đã thêm/);
    await expect.poll(() => page.locator('#list-unanswered').textContent()).not.toContain('lịch tiêm phòng cho trâu bò');
    await page.getByText('Đã xử lý gần đây').click();
    await page.locator('#list-edits li').filter({ hasText: 'lịch tiêm phòng cho trâu bò' }).getByRole('button', { name: 'Hoàn tác' }).click();
    await expect.poll(() => page.locator('#knowledge-status').textContent()).toBe('Đã hoàn tác.');
    await expect.poll(() => page.locator('#list-edits').textContent()).toBe('Chưa có thay đổi nào.');

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
    expect(wb.worksheets.map((w) => w.name)).toEqual(['Tổng hợp', 'Kiểm tra tin lừa đảo', 'Sự kiện']);
    const rows: unknown[][] = [];
    wb.getWorksheet('Tổng hợp')!.eachRow((r) => rows.push((r.values as unknown[]).slice(1)));
    expect(rows.find((r) => r[0] === 'Hội Nông dân' && r[1] === 'Xã Mường Kim')).toEqual(['Hội Nông dân', 'Xã Mường Kim', 1, 0, 1, 0, 1, 1, 1, 1, 0]);
    expect(rows.some((r) => r[0] === 'Hội Liên hiệp Phụ nữ')).toBe(false);
    expect(wb.getWorksheet('Sự kiện')!.actualRowCount).toBe(1 + 3);

    // CSV of the same filters.
    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Tải CSV tổng hợp' }).click()]);
    expect(csv.suggestedFilename()).toBe('bao-cao-phong-trao-2025-05-01_2025-05-31-hoi-nong-dan.csv');
    const text = fs.readFileSync(await csv.path(), 'utf8');
    expect(text.charCodeAt(0)).toBe(0xfeff);
    expect(text).toContain('Hội Nông dân;Xã Mường Kim;1;0;1;0;1;1;100,0%;1');
    await expect.poll(() => page.locator('#dl-status').textContent()).toMatch(/Đã tải xong/);

    // Logging out closes the data again.
    await page.getByRole('button', { name: 'Đăng xuất' }).click();
    await page.locator('#login-form').waitFor();
    const after = await page.evaluate(async () => (await fetch('/api/admin/stats')).status);
    expect(after).toBe(401);
    await context.close();
  });

  it('keeps every column of every table readable on a 360 px phone and a 1280 px laptop, with the totals right', async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    for (const width of [360, 1280]) {
      const context = await browser.newContext({ viewport: { width, height: 900 } });
      const page = await context.newPage();
      const missing: string[] = [];
      page.on('response', (r) => { if (r.status() === 404) missing.push(r.url()); });
      await page.goto(`${t.url}/admin/`);
      await page.getByText('Đăng nhập bằng mã quản trị').click();
      await page.locator('#token').fill(TOKEN);
      await page.getByRole('button', { name: 'Dùng mã này' }).click();
      await page.locator('#dash').waitFor();
      await setPeriod(page, '2025-05-01', '2025-05-31');
      await page.getByRole('button', { name: 'Xem số liệu' }).click();
      await expect.poll(() => page.locator('#card-reached .value').textContent()).toBe('12');
      await page.locator('#table-feedback thead th').first().waitFor();
      await page.screenshot({ path: path.join(SHOTS, `admin-${width}.png`), fullPage: true });

      const views = await tableViews(page);
      expect(views.map((v) => v.id).sort()).toEqual(['table-channels', 'table-feedback', 'table-orgs', 'table-quizzes', 'table-scam', 'table-units']);
      for (const v of views) {
        expect(v.headers.length, v.id).toBeGreaterThanOrEqual(5);
        for (const h of v.headers) {
          // A column is on screen, or the table scrolls, says so, and the column can be scrolled into view.
          expect(h.visible || (v.scrollable && v.cue && h.reachable), `${width} px, ${v.id}, "${h.text}"`).toBe(true);
        }
        // On a laptop nothing is hidden at all; on a phone the cue shows exactly when something is.
        if (width === 1280) expect(v.headers.every((h) => h.visible), `${v.id} at 1280 px`).toBe(true);
        else expect(v.cue, v.id).toBe(v.headers.some((h) => !h.visible));
      }
      expect(views.find((v) => v.id === 'table-orgs')!.headers.map((h) => h.text)).toEqual([
        'Tổ chức', 'Người tham gia đã đăng ký', 'Người được tiếp cận', 'Câu hỏi đã trả lời', 'Câu hỏi chưa trả lời được',
        'Bài kiểm tra hoàn thành', 'Bài kiểm tra đạt', 'Tỷ lệ đạt', 'Lượt đăng ký', 'Lượt kiểm tra tin lừa đảo',
      ]);
      // The cards carry the same names as the columns.
      expect(await page.locator('#card-participants .label').textContent()).toBe('Người tham gia đã đăng ký');

      // The total row counts people too: two registered people in May, once each.
      for (const id of ['table-orgs', 'table-channels', 'table-units']) {
        const total = page.locator(`#${id} tr.total td`);
        expect(await total.nth(0).textContent()).toBe('Tổng cộng');
        expect(await total.nth(1).textContent(), id).toBe('2');
      }
      expect(await page.locator('#card-participants .value').textContent()).toBe('2');

      // The daily chart uses its panel's width.
      const [chart, panel] = await page.evaluate(() => {
        const el = document.querySelector('#chart-days')!;
        return [el.querySelector('svg')!.getBoundingClientRect().width, el.getBoundingClientRect().width];
      });
      expect(chart).toBeGreaterThanOrEqual(panel * 0.95);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
      // Favicon and every other file are there.
      expect(missing).toEqual([]);
      await context.close();
    }
  });

  it('works with the pasted admin token on a desktop screen, and checks a completion code', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${t.url}/admin/`);
    await page.locator('#login-form').waitFor();
    await page.getByText('Đăng nhập bằng mã quản trị').click();
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
