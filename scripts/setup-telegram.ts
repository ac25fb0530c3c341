/**
 * Registers the bot's webhook with Telegram: url = PUBLIC_BASE_URL + /webhooks/telegram, secret_token =
 * TELEGRAM_WEBHOOK_SECRET. Run after deploying behind HTTPS: npm run setup:telegram
 */
import { Telegraf, TelegramError } from 'telegraf';
import { loadConfigOrExit } from '../src/config.js';
import { TELEGRAM_ALLOWED_UPDATES } from '../src/channels/telegram/parse.js';

async function main(): Promise<number> {
  const config = loadConfigOrExit();
  const missing = [
    !config.TELEGRAM_BOT_TOKEN && 'TELEGRAM_BOT_TOKEN',
    !config.TELEGRAM_WEBHOOK_SECRET && 'TELEGRAM_WEBHOOK_SECRET',
    !config.PUBLIC_BASE_URL && 'PUBLIC_BASE_URL',
  ].filter(Boolean);
  if (missing.length) {
    console.error(`Thiếu thiết lập trong .env: ${missing.join(', ')}.`);
    return 2;
  }
  const base = config.PUBLIC_BASE_URL!.replace(/\/+$/, '');
  if (!base.startsWith('https://')) {
    console.error(`PUBLIC_BASE_URL phải bắt đầu bằng https:// (Telegram chỉ gửi tới địa chỉ HTTPS), hiện là: ${base}`);
    return 2;
  }
  const url = `${base}/webhooks/telegram`;
  const bot = new Telegraf(config.TELEGRAM_BOT_TOKEN!, { telegram: { apiRoot: config.TELEGRAM_API_ROOT, webhookReply: false } });
  try {
    const me = await bot.telegram.getMe();
    await bot.telegram.setWebhook(url, {
      secret_token: config.TELEGRAM_WEBHOOK_SECRET,
      allowed_updates: TELEGRAM_ALLOWED_UPDATES as never,
      max_connections: 40,
    });
    const info = await bot.telegram.getWebhookInfo();
    console.log(`Đã đặt webhook cho @${me.username}: ${info.url}`);
    if (info.pending_update_count) console.log(`Tin nhắn đang chờ: ${info.pending_update_count}`);
    return 0;
  } catch (e) {
    if (e instanceof TelegramError) {
      console.error(`Telegram từ chối (mã ${e.code}): ${e.description}`);
      return 1;
    }
    throw e;
  }
}

main().then((code) => { process.exitCode = code; }, (e: unknown) => {
  console.error(`Không gọi được Telegram: ${e instanceof Error ? e.message.replace(/bot\d+:[^/]+/, 'bot<token>') : String(e)}`);
  process.exitCode = 1;
});
