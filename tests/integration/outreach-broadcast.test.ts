import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metric, startBot, type Bot } from '../helpers/fake-server.js';
import { adminApi, citizens, closeFakes, platformEnv, resetFakes, startFakes, type Citizen, type Fakes } from '../helpers/outreach.js';
import { sqliteStore } from '../helpers/stores.js';
import { hashPassword } from '../../src/admin/passwords.js';
import { waitFor } from '../helpers/wait.js';

/**
 * Announcements through the real server to the three fake platforms: exactly the subscribed people, once each,
 * within each platform's window; what cannot go now waits for the person's next message; platform feedback
 * marks people gone and they are not tried again; a failure never stops the rest.
 */

let f: Fakes;
let bot: Bot;
const admin = adminApi(() => bot.url);
beforeAll(async () => {
  f = await startFakes();
  bot = await startBot(platformEnv(f));
});
afterAll(async () => {
  await bot?.stop();
  await closeFakes(f);
});

const who = () => citizens(f, () => bot.url);
const TEXT = 'Thông báo: bài kiểm tra "Mật khẩu mạnh" đã mở. Mời bà con tham gia trước ngày 30/11.';
const got = (c: Citizen, user: string) => c.texts(user).filter((t) => t.startsWith(TEXT));

async function subscribe(c: Citizen, user: string, hoursAgo = 0): Promise<void> {
  const before = c.texts(user).length;
  if (hoursAgo) {
    // An old message: the bot's reply falls outside the window and is dropped, but the subscription is kept.
    await c.say('Nhận thông báo', hoursAgo);
    await waitFor(() => subscriptionCount() > countBefore, 'subscription stored');
    return;
  }
  await c.press('SUBSCRIBE', 'Nhận thông báo');
  await waitFor(() => c.texts(user).length > before, `${c.channel} ${user} subscribed`);
}
let countBefore = 0;
function subscriptionCount(): number {
  const db = new Database(path.join(bot.dataDir, 'bot.sqlite'), { readonly: true });
  try {
    return (db.prepare("SELECT COUNT(*) AS n FROM subscriptions WHERE status = 'active'").get() as { n: number }).n;
  } finally {
    db.close();
  }
}
async function subscribeOld(c: Citizen, hoursAgo: number): Promise<void> {
  countBefore = subscriptionCount();
  await subscribe(c, '', hoursAgo);
}
async function finished(id: string): Promise<any> {
  return waitFor(async () => {
    const r = await admin.get(`/api/admin/broadcasts/${id}`);
    return r.body.status === 'done' ? r.body : undefined;
  }, 'the announcement to finish', 20_000);
}

describe('announcements', () => {
  const T = ['71000001', '71000002', '71000003', '71000004', '71000005'];
  const M = ['7100000000000001', '7100000000000002', '7100000000000003', '7100000000000004'];
  const Z = ['7100000000000000001', '7100000000000000002', '7100000000000000003', '7100000000000000004', '7100000000000000005'];
  let first: any;

  it('previews the audience per channel (now / later / outside) and reaches exactly the subscribers, once each', async () => {
    const p = who();
    for (const u of T.slice(0, 3)) await subscribe(p.telegram(u), u);
    await subscribe(p.telegram(T[4]!), T[4]!);
    await p.telegram(T[4]!).say('dừng nhận thông báo');
    await p.telegram(T[3]!).say('menu'); // talks to the bot, never subscribed
    await subscribe(p.messenger(M[0]!), M[0]!);
    await subscribeOld(p.messenger(M[1]!), 30); // last wrote 30 h ago: outside Messenger's 24 h
    await subscribe(p.messenger(M[2]!), M[2]!);
    await p.messenger(M[3]!).say('menu');
    await subscribe(p.zalo(Z[0]!), Z[0]!);
    await subscribeOld(p.zalo(Z[1]!), 60); // 60 h ago: past the free 48 h, and paid sending is off
    await subscribe(p.zalo(Z[2]!), Z[2]!);
    await subscribe(p.zalo(Z[3]!), Z[3]!);
    await p.zalo(Z[4]!).say('menu');
    await fetch(`${bot.url}/api/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId: 'web-71', payload: 'SUBSCRIBE' }) });
    await waitFor(() => f.telegram.textsTo(T[4]!).some((t) => t.startsWith('Đã dừng')), 'opt-out');

    // What the platforms will answer: a blocked Telegram user, a Messenger user gone, a Zalo user no longer following,
    // and one Zalo user whose window Zalo says is closed.
    f.telegram.block(T[2]!);
    f.messenger.failFor(M[2]!, 551);
    f.zalo.failFor(Z[2]!, -213, 'User has not followed OA');
    f.zalo.failFor(Z[3]!, -230, 'User has not interacted in the last 7 days');

    const draft = await admin.post('/api/admin/broadcasts', { text: TEXT, buttons: [{ title: 'Làm bài kiểm tra', payload: 'QZ:start:mat-khau' }] });
    expect(draft.status).toBe(201);
    expect(draft.body).toMatchObject({ status: 'draft', audience: { total: 11 } });
    expect(draft.body.audience.byChannel).toEqual({
      telegram: { now: 3, later: 0, outside: 0 },
      messenger: { now: 2, later: 1, outside: 0 },
      zalo: { now: 3, later: 1, outside: 0 },
      web: { now: 0, later: 1, outside: 0 },
    });
    resetSentOnly();
    expect((await admin.post(`/api/admin/broadcasts/${draft.body.id}/send`)).status).toBe(202);
    expect((await admin.post(`/api/admin/broadcasts/${draft.body.id}/send`)).status).toBe(409);
    first = await finished(draft.body.id);
    expect(first.counts).toEqual({ sent: 4, failed: 3, later: 4, skipped: 0, pending: 0 });
    expect(first.byChannel.telegram).toMatchObject({ sent: 2, failed: 1 });
    expect(first.byChannel.messenger).toMatchObject({ sent: 1, failed: 1, later: 1 });
    expect(first.byChannel.zalo).toMatchObject({ sent: 1, failed: 1, later: 2 });

    // Exactly the subscribers within the rules, once each; nobody else.
    for (const u of T.slice(0, 2)) expect(got(p.telegram(u), u)).toHaveLength(1);
    for (const u of [T[3]!, T[4]!]) expect(got(p.telegram(u), u)).toHaveLength(0);
    expect(got(p.messenger(M[0]!), M[0]!)).toHaveLength(1);
    expect(got(p.messenger(M[1]!), M[1]!)).toHaveLength(0);
    expect(got(p.messenger(M[3]!), M[3]!)).toHaveLength(0);
    expect(got(p.zalo(Z[0]!), Z[0]!)).toHaveLength(1);
    expect(got(p.zalo(Z[1]!), Z[1]!)).toHaveLength(0);
    // With the way out, and the quiz button; proactive on Messenger, inside the 24 h window.
    const tg = f.telegram.sent.find((s) => String(s.chat_id) === T[0] && s.text.startsWith(TEXT))!;
    expect(tg.text).toContain('Gõ “Dừng nhận thông báo” để dừng');
    expect(tg.reply_markup!.inline_keyboard.flat()).toEqual([{ text: 'Làm bài kiểm tra', callback_data: 'QZ:start:mat-khau' }]);
    expect(f.messenger.sent.find((s) => s.recipient.id === M[0])!.messaging_type).toBe('UPDATE');
    expect(await metric(bot, 'bot_broadcast_recipients_total', { channel: 'telegram', result: 'sent' })).toBe(2);
    expect(await metric(bot, 'bot_broadcast_recipients_total', { channel: 'zalo', result: 'later' })).toBe(2);
  });

  it('marks people the platform says are gone, and never tries them again', async () => {
    const p = who();
    // The blocked Telegram user was called once, not retried.
    expect(f.telegram.server.requests.filter((r) => String(r.body.chat_id) === T[2] && String(r.body.text).startsWith(TEXT))).toHaveLength(1);
    expect(await metric(bot, 'bot_subscribers', { channel: 'telegram', status: 'gone' })).toBe(1);
    expect(await metric(bot, 'bot_subscribers', { channel: 'messenger', status: 'gone' })).toBe(1);
    expect(await metric(bot, 'bot_subscribers', { channel: 'zalo', status: 'gone' })).toBe(1);
    const report = await admin.get(`/api/admin/broadcasts/${first.id}/deliveries`);
    expect(report.body.items).toHaveLength(11);
    expect(report.body.items.filter((d: any) => d.status === 'failed').map((d: any) => d.reason).sort()).toEqual(['-213', '403', '551']);
    expect(JSON.stringify(report.body)).not.toMatch(new RegExp([...T, ...M, ...Z].join('|')));

    const again = await admin.post('/api/admin/broadcasts', { text: `${TEXT} (nhắc lại)` });
    expect(again.body.audience.total).toBe(8);
    // Telegram asks to slow down once: the wait it names is honoured (3 s, scaled to 5 ms a second in tests), then it goes on.
    f.telegram.fail('sendMessage', { status: 429, json: { ok: false, error_code: 429, description: 'Too Many Requests: retry after 3', parameters: { retry_after: 3 } } });
    await admin.post(`/api/admin/broadcasts/${again.body.id}/send`);
    const second = await finished(again.body.id);
    expect(second.counts.failed).toBe(0);
    expect(bot.retries).toContainEqual(expect.objectContaining({ channel: 'telegram', method: 'sendMessage', delayMs: 15, code: 429 }));
    expect(f.telegram.server.requests.filter((r) => String(r.body.chat_id) === T[2] && String(r.body.text).includes('nhắc lại'))).toHaveLength(0);
    expect(got(p.telegram(T[0]!), T[0]!)).toHaveLength(2);
  });

  it('delivers what waited when the person next writes: Messenger and Zalo in their new window, web chat on the next visit', async () => {
    const p = who();
    await p.messenger(M[1]!).say('xin chào');
    await waitFor(() => got(p.messenger(M[1]!), M[1]!).length === 2, 'both announcements after the greeting');
    await p.zalo(Z[1]!).say('xin chào');
    await waitFor(() => got(p.zalo(Z[1]!), Z[1]!).length === 2, 'Zalo announcements');
    const res = await fetch(`${bot.url}/api/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId: 'web-71', text: 'menu' }) });
    const replies = ((await res.json()) as { replies: { text: string }[] }).replies;
    expect(replies[0]!.text).toBe('Bạn muốn làm gì?');
    expect(replies.filter((r) => r.text.startsWith(TEXT))).toHaveLength(2);
    const view = (await admin.get(`/api/admin/broadcasts/${first.id}`)).body;
    expect(view.counts).toEqual({ sent: 7, failed: 3, later: 1, skipped: 0, pending: 0 });
    // Once only: writing again brings nothing more.
    await p.messenger(M[1]!).say('menu');
    await waitFor(() => p.messenger(M[1]!).texts(M[1]!).at(-1)?.startsWith('Bạn muốn làm gì?'), 'menu');
    expect(got(p.messenger(M[1]!), M[1]!)).toHaveLength(2);
  });
});

describe('cancel', () => {
  it('stops an announcement mid-way: the message in flight completes, nobody else gets it', async () => {
    const users = Array.from({ length: 12 }, (_, i) => String(73000001 + i));
    for (const u of users) await subscribe(who().telegram(u), u);
    const draft = await admin.post('/api/admin/broadcasts', { text: 'Tin sẽ bị hủy', channel: 'telegram' });
    const total = draft.body.audience.total;
    expect(total).toBeGreaterThanOrEqual(12);
    const hold = f.telegram.server.hold((r) => r.path.endsWith('/sendMessage'));
    try {
      await admin.post(`/api/admin/broadcasts/${draft.body.id}/send`);
      await waitFor(() => hold.waiting === 1, 'the first message in flight');
      expect(await admin.post(`/api/admin/broadcasts/${draft.body.id}/cancel`)).toEqual({ status: 200, body: { id: draft.body.id, status: 'cancelled' } });
    } finally {
      hold.release();
    }
    const view = await waitFor(async () => {
      const v = (await admin.get(`/api/admin/broadcasts/${draft.body.id}`)).body;
      return v.counts.sent === 1 ? v : undefined;
    }, 'the message in flight to be recorded');
    expect(view).toMatchObject({ status: 'cancelled', counts: { sent: 1, skipped: total - 1, pending: 0, failed: 0, later: 0 } });
    expect(f.telegram.sent.filter((s) => s.text.startsWith('Tin sẽ bị hủy'))).toHaveLength(1);
    expect((await admin.post(`/api/admin/broadcasts/${draft.body.id}/cancel`)).status).toBe(409);
  });
});

describe('announcement screen API', () => {
  it('refuses bad drafts with 400, viewers with 403, and filters the audience by organisation', async () => {
    expect((await admin.post('/api/admin/broadcasts', { text: '' })).status).toBe(400);
    expect((await admin.post('/api/admin/broadcasts', { text: 'x', buttons: [{ title: 'Lạ', payload: 'DROP_TABLES' }] })).status).toBe(400);
    expect((await admin.post('/api/admin/broadcasts', { text: 'x', organisation: 'Hội Không Có' })).status).toBe(400);
    expect((await admin.post('/api/admin/broadcasts/khong-co/send')).status).toBe(404);

    const side = sqliteStore(path.join(bot.dataDir, 'bot.sqlite'));
    await side.staff.saveStaffUser({ username: 'xem.nd', passwordHash: await hashPassword('mat-khau-xem-123'), role: 'viewer', organisation: 'Hội Nông dân' });
    await side.close();
    const login = await fetch(`${bot.url}/api/admin/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'xem.nd', password: 'mat-khau-xem-123' }) });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const asViewer = await fetch(`${bot.url}/api/admin/broadcasts`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify({ text: 'x' }) });
    expect(asViewer.status).toBe(403);

    const c = who().telegram('72000001');
    await subscribe(c, '72000001');
    for (const [payload, title] of [['REGISTER', 'Đăng ký'], ['REG:consent:yes', 'Đồng ý'], ['REG:org:nongdan', 'Hội Nông dân'], ['REG:unit:muong-kim', 'Mường Kim']]) {
      const n = c.texts('72000001').length;
      await c.press(payload!, title!);
      await waitFor(() => c.texts('72000001').length > n, title);
    }
    const audience = await admin.get(`/api/admin/audience?organisation=${encodeURIComponent('hoi nong dan')}`);
    expect(audience.body).toEqual({ total: 1, byChannel: { telegram: { now: 1, later: 0, outside: 0 } } });
    expect((await admin.get('/api/admin/audience?unit=Mường Kim&channel=zalo')).body.total).toBe(0);
  });
});

/** Forgets what the fakes received, keeping their scripted failures. */
function resetSentOnly(): void {
  f.telegram.sent.length = 0;
  f.messenger.sent.length = 0;
  f.zalo.sent.length = 0;
  void resetFakes;
}
