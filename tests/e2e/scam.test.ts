import fs from 'node:fs';
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
  t = await startTestApp({ OCR_WORKERS: '1' });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

describe.skipIf(!ready)('web chat page: scam check', () => {
  it('the 📷 button sends a screenshot and shows the verdict; the menu entry asks for a message', async () => {
    const page = await browser.newPage({ viewport: { width: 360, height: 640 } });
    await page.goto(t.url);
    await expect.poll(() => page.locator('.msg.bot').first().textContent()).toMatch(/Xin chào/);
    const photo = page.getByRole('button', { name: 'Gửi ảnh chụp màn hình tin nhắn cần kiểm tra lừa đảo' });
    expect(await photo.isVisible()).toBe(true);
    const chooser = page.waitForEvent('filechooser');
    await photo.click();
    await (await chooser).setFiles({ name: 'tin-nhan.png', mimeType: 'image/png', buffer: fs.readFileSync('tests/fixtures/scam/scam-light.png') });
    // The picture is shown in the person's bubble; the verdict follows.
    await expect.poll(() => page.locator('.msg.user img').count()).toBe(1);
    const verdict = page.locator('.msg.bot', { hasText: /RÕ RÀNG LÀ LỪA ĐẢO/ }).last();
    await verdict.waitFor({ timeout: 30_000 });
    expect(await verdict.textContent()).toContain('Tôi đọc được trong ảnh');
    expect(await page.locator('.msg.pending').count()).toBe(0);

    await page.getByRole('button', { name: 'Kiểm tra tin khác' }).last().click();
    await expect.poll(() => page.locator('.msg.bot').last().textContent()).toMatch(/dán .*tin nhắn/);
    // Nothing overflows the phone screen horizontally.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
  });
});
