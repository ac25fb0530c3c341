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

  it('shows the conversation again after a reload, and the server carries on where it was', async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 640 } });
    const page = await context.newPage();
    const missing: string[] = [];
    page.on('response', (r) => { if (r.status() >= 400) missing.push(`${r.status()} ${r.url()}`); });
    await page.goto(t.url);
    await page.locator('.msg.bot').first().waitFor();
    await page.getByRole('button', { name: 'Làm bài kiểm tra kỹ năng số' }).last().click();
    await page.getByRole('button', { name: 'Mật khẩu, mã OTP và xác thực hai bước' }).last().click();
    await expect.poll(() => page.locator('.msg.bot').last().textContent()).toMatch(/^Câu 1\/12/);
    const before = await page.locator('.msg').allTextContents();
    const userId = await page.evaluate(() => localStorage.getItem('bdhvs-user'));

    await page.reload();
    await expect.poll(() => page.locator('.msg').allTextContents()).toEqual(before);
    // Not greeted twice, same person for the server.
    expect(await page.locator('.msg.bot', { hasText: 'Xin chào' }).count()).toBe(1);
    expect(await page.evaluate(() => localStorage.getItem('bdhvs-user'))).toBe(userId);
    // The restored buttons still work: answering question 1 leads to question 2.
    await page.locator('.msg.bot').last().locator('.buttons button').first().click();
    await expect.poll(() => page.locator('.msg.bot').last().textContent()).toMatch(/^Câu 2\/12/);
    // The page's icon and every other file load.
    expect(missing).toEqual([]);
    await context.close();
  });

  it('answers "Đúng"/"Sai" questions with those buttons, and asks what was missing after "Chưa hữu ích"', async () => {
    const page = await browser.newPage({ viewport: { width: 360, height: 640 } });
    await page.goto(t.url);
    await page.locator('.msg.bot').first().waitFor();
    await page.locator('#text').fill('mat khau manh la gi');
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Chưa hữu ích' }).last().click();
    await expect.poll(() => page.locator('.msg.bot').last().textContent()).toMatch(/chưa ổn ở điểm nào/);
    for (const reason of ['Sai chủ đề', 'Dài quá', 'Khó hiểu']) expect(await page.getByRole('button', { name: reason }).count()).toBe(1);
    await page.getByRole('button', { name: 'Dài quá' }).click();
    await expect.poll(() => page.locator('.msg.bot').last().textContent()).toMatch(/chuyển cho cán bộ/);

    // Play a quiz until a statement to judge comes up: its buttons say Đúng and Sai.
    await page.locator('#text').fill('quiz');
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Mật khẩu, mã OTP và xác thực hai bước' }).last().click();
    let sawTrueFalse = false;
    for (let i = 0; i < 12 && !sawTrueFalse; i++) {
      const question = page.locator('.msg.bot').filter({ hasText: /^Câu \d+\/12/ }).last();
      await question.waitFor();
      const titles = await question.locator('.buttons button').allTextContents();
      sawTrueFalse = titles.join('|') === 'Đúng|Sai';
      if (!sawTrueFalse) {
        expect(titles.every((b) => /^[A-D]$/.test(b))).toBe(true);
        const count = await page.locator('.msg.bot').count();
        await question.locator('.buttons button').first().click();
        await expect.poll(() => page.locator('.msg.bot').count()).toBeGreaterThan(count + 1);
      }
    }
    expect(sawTrueFalse).toBe(true);
    await page.close();
  });
});
