import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { metric, startBot, type Bot } from '../helpers/fake-server.js';
import { tgMemberUpdate } from '../helpers/fake-telegram.js';
import { zaloFollow } from '../helpers/fake-zalo.js';
import { citizens, closeFakes, platformEnv, postTelegram, postZalo, resetFakes, startFakes, type Fakes, type PlatformName } from '../helpers/outreach.js';
import { waitFor } from '../helpers/wait.js';

let f: Fakes;
let bot: Bot;
beforeAll(async () => {
  f = await startFakes();
  bot = await startBot(platformEnv(f));
});
afterAll(async () => {
  await bot?.stop();
  await closeFakes(f);
});
afterEach(() => resetFakes(f));

const people = () => citizens(f, () => bot.url);
/** The subscription rows as stored (keyed by pseudonym: no platform id in them). */
function subscriptions(): { channel: string; status: string; user_key: string; reason: string | null }[] {
  const db = new Database(path.join(bot.dataDir, 'bot.sqlite'), { readonly: true });
  try {
    return db.prepare('SELECT * FROM subscriptions ORDER BY channel, user_key').all() as never;
  } finally {
    db.close();
  }
}
const statusOf = async (channel: string) => (subscriptions().find((s) => s.channel === channel) ?? { status: 'none' }).status;

const SUBSCRIBED = /^Bạn đã đăng ký nhận thông báo/;
const STOPPED = /^Đã dừng\. Từ nay tôi không gửi thông báo/;

describe.each(['telegram', 'messenger', 'zalo'] as PlatformName[])('subscriptions on %s', (channel) => {
  const user = { telegram: '61000001', messenger: '6100000000000001', zalo: '6100000000000000001' }[channel];

  it('subscribes from the menu, shows it under "Dữ liệu của tôi", unsubscribes by typed text at once, and deletion removes it', async () => {
    const c = people()[channel](user);
    await c.press('SUBSCRIBE', 'Nhận thông báo');
    await waitFor(() => c.texts(user).length >= 1, 'subscribe confirmation');
    expect(c.texts(user)[0]).toMatch(SUBSCRIBED);
    expect(await statusOf(channel)).toBe('active');
    // The consent is kept with its time; no platform id is in the subscription row.
    expect(JSON.stringify(subscriptions())).not.toContain(user);

    await c.say('Dữ liệu của tôi');
    await waitFor(() => c.texts(user).length >= 2, 'my data');
    expect(c.texts(user)[1]).toMatch(/Nhận thông báo: có, từ ngày \d\d\/\d\d\/\d{4}/);

    // A quiz in progress does not swallow the opt-out: it works in one step from any state.
    await c.press('QZ:start:mat-khau', 'Mật khẩu');
    await waitFor(() => c.texts(user).length >= 3, 'quiz question');
    const typed = { telegram: '/stop', messenger: 'dừng nhận thông báo', zalo: 'hủy thông báo' }[channel];
    await c.say(typed);
    await waitFor(() => c.texts(user).some((t) => STOPPED.test(t)), 'opt-out confirmation');
    expect(await statusOf(channel)).toBe('unsubscribed');

    await c.say('Xóa dữ liệu của tôi');
    await waitFor(() => c.texts(user).some((t) => /Bạn có chắc muốn xóa/.test(t)), 'delete confirmation question');
    await c.press('REG:delete:yes', 'Xóa');
    await waitFor(() => c.texts(user).some((t) => /^Đã xóa thông tin của bạn/.test(t)), 'deleted');
    expect(subscriptions().filter((s) => s.channel === channel)).toEqual([]);
  });
});

describe('platform feedback keeps the list true', () => {
  it('Telegram: my_chat_member "kicked" marks the subscriber gone, "member" brings them back', async () => {
    const c = people().telegram('62000001');
    await c.press('SUBSCRIBE', 'Nhận thông báo');
    await waitFor(() => c.texts('62000001').length >= 1, 'confirmation');
    expect((await postTelegram(bot.url, tgMemberUpdate(62000001, 'kicked'))).status).toBe(200);
    await waitFor(async () => (await statusOf('telegram')) === 'gone', 'gone');
    expect(await metric(bot, 'bot_subscribers', { channel: 'telegram', status: 'gone' })).toBe(1);
    await postTelegram(bot.url, tgMemberUpdate(62000001, 'member'));
    await waitFor(async () => (await statusOf('telegram')) === 'active', 'back');
    // Membership changes are not messages: nothing was answered.
    expect(c.texts('62000001')).toHaveLength(1);
  });

  it('Zalo: an unfollow marks the subscriber gone; following again brings them back and greets them', async () => {
    const user = '6200000000000000002';
    const c = people().zalo(user);
    await c.say('Nhận thông báo');
    await waitFor(() => c.texts(user).length >= 1, 'confirmation');
    await postZalo(bot.url, zaloFollow(user, 'unfollow'));
    await waitFor(async () => subscriptions().some((s) => s.channel === 'zalo' && s.status === 'gone'), 'gone');
    await postZalo(bot.url, zaloFollow(user));
    await waitFor(() => c.texts(user).length >= 2, 'greeting');
    expect(subscriptions().filter((s) => s.channel === 'zalo').map((s) => s.status)).toContain('active');
  });
});
