import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { launchBrowser } from '../helpers/browser.js';
import { needs } from '../helpers/services.js';

let t: TestApp;
let browser: Browser;
const ready = await needs('chromium');
beforeAll(async () => {
  if (!ready) return;
  t = await startTestApp();
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

describe.skipIf(!ready)('web chat page', () => {
  it('greets, answers a typed question with its source and follows a button, on a 360 px phone screen', async () => {
    const page = await browser.newPage({ viewport: { width: 360, height: 640 } });
    await page.goto(t.url);
    await expect.poll(() => page.locator('.msg.bot').first().textContent()).toMatch(/Xin chào/);

    // Keyboard only: type and press Enter.
    await page.locator('#text').fill('vneid muc 2 lam o dau');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('.msg.user').last().textContent()).toBe('vneid muc 2 lam o dau');
    const answer = page.locator('.msg.bot', { hasText: 'Nguồn:' }).last();
    await answer.waitFor();
    expect(await answer.textContent()).toMatch(/mức 2/i);

    // Nothing overflows the phone screen horizontally.
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(360);

    // Buttons are real buttons: reach one with the keyboard and press it.
    const quiz = page.getByRole('button', { name: 'Làm bài kiểm tra kỹ năng số' }).last();
    await quiz.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Nhận biết lừa đảo và tin giả' }).last().click();
    await expect.poll(() => page.locator('.msg.bot').last().textContent()).toMatch(/^Câu 1\/12/);
    await page.close();
  });
});
