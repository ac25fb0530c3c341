import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../../helpers/browser.js';

/**
 * Renders a labelled message as a phone screenshot, the way a citizen would send it: status bar, the app's
 * header with the sender, the message in a bubble with its time, the typing bar; light or dark theme; SMS,
 * Zalo or Messenger colours. Rendered at eval time (nothing committed but this script and two test fixtures).
 */

/** Light and dark at a phone's 2× density as PNG; "compressed": light, 1.25×, JPEG quality 50 (as chat apps resend them). */
export type Theme = 'light' | 'dark' | 'compressed';
export interface Screen { from: string; app: string; text: string }

const escape = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

const PALETTE = {
  sms: { light: { bg: '#ffffff', fg: '#111111', bar: '#f6f6f6', bubble: '#e9e9eb', sub: '#6d6d72' }, dark: { bg: '#000000', fg: '#f2f2f2', bar: '#1c1c1e', bubble: '#26252a', sub: '#98989f' } },
  zalo: { light: { bg: '#e2e9f1', fg: '#081c36', bar: '#0068ff', bubble: '#ffffff', sub: '#d6e6ff' }, dark: { bg: '#121212', fg: '#e6e6e6', bar: '#1f2733', bubble: '#2b2f36', sub: '#9aa7b8' } },
  messenger: { light: { bg: '#ffffff', fg: '#050505', bar: '#ffffff', bubble: '#f0f0f0', sub: '#65676b' }, dark: { bg: '#18191a', fg: '#e4e6eb', bar: '#242526', bubble: '#3a3b3c', sub: '#b0b3b8' } },
} as const;

export function screenHtml(m: Screen, theme: 'light' | 'dark', time = '10:24'): string {
  const app = (m.app in PALETTE ? m.app : 'sms') as keyof typeof PALETTE;
  const c = PALETTE[app][theme];
  const headerFg = app === 'zalo' && theme === 'light' ? '#ffffff' : c.fg;
  const appName = app === 'sms' ? 'Tin nhắn văn bản' : app === 'zalo' ? 'Zalo' : 'Messenger';
  return `<!doctype html><html lang="vi"><head><meta charset="utf-8"><style>
    body { margin: 0; background: ${c.bg}; color: ${c.fg}; font-family: 'DejaVu Sans', 'Liberation Sans', sans-serif; }
    .status { display: flex; justify-content: space-between; padding: 8px 18px 4px; font-size: 14px; font-weight: bold; background: ${c.bar}; color: ${headerFg}; }
    .head { display: flex; align-items: center; gap: 10px; padding: 8px 12px 10px; background: ${c.bar}; color: ${headerFg}; border-bottom: 1px solid #8883; }
    .avatar { width: 36px; height: 36px; border-radius: 50%; background: #9aa5b1; flex: none; }
    .name { font-size: 17px; font-weight: bold; } .sub { font-size: 12px; color: ${app === 'zalo' && theme === 'light' ? c.sub : c.sub}; }
    .day { text-align: center; font-size: 12px; color: ${c.sub}; margin: 14px 0 6px; }
    .bubble { margin: 6px 64px 0 12px; padding: 10px 14px; border-radius: 18px; background: ${c.bubble}; font-size: 16px; line-height: 1.38; white-space: pre-wrap; overflow-wrap: anywhere; }
    .time { font-size: 11px; color: ${c.sub}; margin: 4px 0 0 16px; }
    .typing { position: fixed; left: 0; right: 0; bottom: 0; display: flex; gap: 10px; align-items: center; padding: 10px 12px 22px; background: ${c.bar}; }
    .box { flex: 1; border-radius: 18px; border: 1px solid #8886; padding: 8px 12px; font-size: 15px; color: ${c.sub}; }
  </style></head><body>
    <div class="status"><span>9:41</span><span>4G ▂▄▆ 87%</span></div>
    <div class="head"><span>‹</span><div class="avatar"></div><div><div class="name">${escape(m.from)}</div><div class="sub">${appName}</div></div></div>
    <div class="day">Hôm nay</div>
    <div class="bubble">${escape(m.text)}</div>
    <div class="time">${time}</div>
    <div class="typing"><span>＋</span><div class="box">Nhập tin nhắn</div></div>
  </body></html>`;
}

/** A page at a phone's size and pixel density (390 × 844 CSS px at 2×: a 780 × 1688 PNG). */
export class PhoneRenderer {
  private constructor(private browser: Browser, private page: Page, private low: Page) {}

  static async start(): Promise<PhoneRenderer> {
    const browser = await launchBrowser();
    const page = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
    const low = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1.25 });
    return new PhoneRenderer(browser, page, low);
  }

  /** The screenshot's bytes: PNG for light and dark, JPEG for "compressed". */
  async png(m: Screen, theme: Theme): Promise<Buffer> {
    if (theme === 'compressed') {
      await this.low.setContent(screenHtml(m, 'light'));
      return this.low.screenshot({ type: 'jpeg', quality: 50 });
    }
    await this.page.setContent(screenHtml(m, theme));
    return this.page.screenshot({ type: 'png' });
  }

  close(): Promise<void> {
    return this.browser.close();
  }
}
