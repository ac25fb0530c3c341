import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/admin/passwords.js';
import { launchBrowser } from '../helpers/browser.js';
import { startBot, type Bot } from '../helpers/fake-server.js';
import { FakeTelegram, TG_TOKEN } from '../helpers/fake-telegram.js';
import { citizens, TG_SECRET, type Fakes } from '../helpers/outreach.js';
import { sqliteStore } from '../helpers/stores.js';
import { waitFor } from '../helpers/wait.js';

/** The announcement screen and the inbox on a 360 px phone, against the real server and the Telegram fake. */

let telegram: FakeTelegram;
let bot: Bot;
let browser: Browser;
const ANNOUNCEMENT = 'Bài kiểm tra “Mật khẩu mạnh” đã mở, mời bà con làm trước ngày 30/11.';

beforeAll(async () => {
  telegram = await FakeTelegram.start();
  bot = await startBot({ TELEGRAM_BOT_TOKEN: TG_TOKEN, TELEGRAM_WEBHOOK_SECRET: TG_SECRET, TELEGRAM_API_ROOT: telegram.url });
  const side = sqliteStore(path.join(bot.dataDir, 'bot.sqlite'));
  await side.staff.saveStaffUser({ username: 'canbo', passwordHash: await hashPassword('mat-khau-can-bo-1'), role: 'admin' });
  await side.close();
  const tg = citizens({ telegram } as Fakes, () => bot.url).telegram;
  for (const u of ['95000001', '95000002']) {
    await tg(u).press('SUBSCRIBE', 'Nhận thông báo');
    await waitFor(() => telegram.textsTo(u).length >= 1, 'subscribed');
  }
  await tg('95000003').say('gặp cán bộ');
  await tg('95000003').say('Cho tôi hỏi lịch tập huấn chữ ký số ở xã');
  await waitFor(() => telegram.textsTo('95000003').length >= 1, 'handoff');
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await bot?.stop();
  await telegram?.close();
});

async function fitsPhone(page: Page): Promise<void> {
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
}

describe('announcements and inbox on a phone', () => {
  it('composes, previews the audience, sends, shows progress and the per-recipient report; answers and closes a conversation', async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
    const page = await context.newPage();
    await page.goto(`${bot.url}/admin`);
    await page.getByLabel('Tên đăng nhập').fill('canbo');
    await page.getByLabel('Mật khẩu', { exact: true }).fill('mat-khau-can-bo-1');
    await page.getByRole('button', { name: 'Đăng nhập', exact: true }).click();
    await page.locator('#tabs').waitFor();
    // A new conversation shows as a count on the inbox tab.
    await expect.poll(() => page.locator('#inbox-badge').textContent()).toBe('1');

    await page.getByRole('button', { name: 'Thông báo', exact: true }).click();
    await page.getByLabel('Nội dung thông báo').fill(ANNOUNCEMENT);
    await page.getByLabel('Mở bài kiểm tra hoặc bài viết').selectOption({ label: 'Mật khẩu, mã OTP và xác thực hai bước' });
    await page.getByLabel('Chữ trên nút').fill('Làm bài ngay');
    await page.getByRole('button', { name: 'Thêm nút' }).click();
    await expect.poll(() => page.locator('#bc-chosen li').count()).toBe(1);
    await page.getByLabel('Gửi qua kênh').selectOption('telegram');
    await expect.poll(() => page.locator('#bc-preview').textContent()).toContain('2 người đã đăng ký');
    expect(await page.locator('#bc-preview table tbody tr').first().locator('td').allTextContents()).toEqual(['Telegram', '2', '0', '0']);
    await fitsPhone(page);

    await page.getByRole('button', { name: 'Tạo bản nháp' }).click();
    await page.getByRole('button', { name: 'Gửi cho 2 người' }).click();
    await expect.poll(() => page.locator('#bc-progress').textContent(), { timeout: 15_000 }).toMatch(/^Đã gửi xong: đã gửi 2 · lỗi 0/);
    await page.getByRole('button', { name: 'Xem kết quả từng người' }).click();
    await expect.poll(() => page.locator('#bc-report tbody tr').count()).toBe(2);
    expect(await page.locator('#bc-report tbody tr td:nth-child(3)').allTextContents()).toEqual(['Đã gửi', 'Đã gửi']);
    const sent = telegram.sent.filter((s) => s.text.startsWith(ANNOUNCEMENT));
    expect(sent.map((s) => String(s.chat_id)).sort()).toEqual(['95000001', '95000002']);
    expect(sent[0]!.reply_markup!.inline_keyboard.flat()).toEqual([{ text: 'Làm bài ngay', callback_data: expect.stringMatching(/^QZ:start:/) }]);
    await expect.poll(() => page.locator('#bc-list tbody tr').count()).toBe(1);
    await page.getByRole('button', { name: 'Thống kê', exact: true }).click();
    await page.getByRole('button', { name: 'Thông báo', exact: true }).click();
    await expect.poll(() => page.locator('#bc-summary').textContent()).toContain('Tin thông báo đã đến người dân: Telegram 2.');
    await fitsPhone(page);

    await page.getByRole('button', { name: /^Hộp thư/ }).click();
    const item = page.locator('#inbox-list .conversation');
    await expect.poll(() => item.count()).toBe(1);
    expect(await item.textContent()).toContain('Kênh này không giới hạn thời gian trả lời.');
    await item.click();
    await expect.poll(() => page.locator('#conv-messages li').count()).toBe(1);
    expect(await page.locator('#conv-messages li').first().textContent()).toContain('Cho tôi hỏi lịch tập huấn chữ ký số ở xã');
    await page.getByLabel('Trả lời người dân').fill('Chào bạn, xã sẽ tổ chức tập huấn vào sáng thứ Bảy.');
    await page.getByRole('button', { name: 'Gửi trả lời' }).click();
    await expect.poll(() => page.locator('#conv-status').textContent()).toBe('Đã gửi tới người dân.');
    expect(telegram.textsTo('95000003').at(-1)).toBe('Cán bộ trả lời:\nChào bạn, xã sẽ tổ chức tập huấn vào sáng thứ Bảy.');
    expect(await page.locator('#conv-messages li.staff').count()).toBe(1);
    await fitsPhone(page);

    await page.getByRole('button', { name: 'Kết thúc trò chuyện' }).click();
    await expect.poll(() => page.locator('#conv').isHidden()).toBe(true);
    await page.getByRole('button', { name: 'Đang trao đổi' }).click();
    await expect.poll(() => page.locator('#inbox-list').textContent()).toBe('Không có cuộc trò chuyện nào.');
    await waitFor(() => telegram.textsTo('95000003').at(-1)?.startsWith('Cán bộ đã kết thúc'), 'the citizen told the bot is back');
    await context.close();
  });
});
