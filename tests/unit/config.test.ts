import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('settings', () => {
  it('has working defaults with nothing set', () => {
    const c = loadConfig({});
    expect(c.PORT).toBe(3000);
    expect(c.HOST).toBe('0.0.0.0');
    expect(c.MESSENGER_GRAPH_URL).toBe('https://graph.facebook.com/v25.0');
    expect(c.TELEGRAM_BOT_TOKEN).toBeUndefined();
  });

  it('names the setting and what it expects when a value is wrong', () => {
    expect(() => loadConfig({ PORT: 'abc' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: 'abc' })).toThrow(/PORT/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL: phải bắt đầu bằng postgres/);
    expect(() => loadConfig({ TELEGRAM_WEBHOOK_SECRET: 'has space' })).toThrow(/TELEGRAM_WEBHOOK_SECRET/);
    expect(() => loadConfig({ ZALO_API_URL: 'not a url' })).toThrow(/ZALO_API_URL/);
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ TELEGRAM_BOT_TOKEN: '', PORT: '' }).PORT).toBe(3000);
  });
});
