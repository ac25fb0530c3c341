import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM_PATH } from './services.js';

/** Debian's Chromium, headless; the background-networking flags keep it off the closed network. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}
