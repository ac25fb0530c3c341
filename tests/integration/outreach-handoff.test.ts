import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/admin/passwords.js';
import { metric, startBot, type Bot } from '../helpers/fake-server.js';
import { adminApi, citizens, closeFakes, platformEnv, startFakes, type Fakes } from '../helpers/outreach.js';
import { sqliteStore } from '../helpers/stores.js';
import { waitFor } from '../helpers/wait.js';

/** A citizen asks for staff: the bot falls silent, staff answer from the inbox within the platform's window, close gives the bot back. */

const STAFF_GROUP = '-1001234567890';
let f: Fakes;
let bot: Bot;
const admin = adminApi(() => bot.url);
const env = () => ({ ...platformEnv(f), STAFF_TELEGRAM_CHAT_ID: STAFF_GROUP, PUBLIC_BASE_URL: 'https://bot.example.vn', INBOX_SWEEP_MS: '50' });
beforeAll(async () => {
  f = await startFakes();
  bot = await startBot(env());
});
afterAll(async () => {
  await bot?.stop();
  await closeFakes(f);
});

const who = () => citizens(f, () => bot.url);
const db = () => new Database(path.join(bot.dataDir, 'bot.sqlite'));
const UNKNOWN = /^Xin lỗi, tôi chưa có thông tin/;

async function waitingId(channel: string): Promise<string> {
  return waitFor(async () => (await admin.get('/api/admin/conversations?status=waiting')).body.items.find((i: any) => i.channel === channel)?.id, 'the waiting conversation');
}

describe('human handoff', () => {
  it('offers staff after two misses; the bot stays silent while staff hold the conversation; the reply arrives; close gives the bot back', async () => {
    const user = '81000001';
    const c = who().telegram(user);
    const n = () => c.texts(user).length;
    await c.say('lịch tập huấn VNeID ở bản tôi khi nào');
    await waitFor(() => n() >= 1, 'first miss');
    expect(c.texts(user)[0]).toMatch(UNKNOWN);
    await c.say('Cụ Giàng hỏi lịch tập huấn VNeID ở bản Nậm Xe khi nào');
    await waitFor(() => n() >= 3, 'second miss and the offer');
    expect(c.texts(user)[2]).toBe('Có vẻ tôi chưa giúp được bạn. Bạn có muốn nhắn cho cán bộ không?');
    const offer = f.telegram.sent.filter((s) => String(s.chat_id) === user).at(-1)!;
    expect(offer.reply_markup!.inline_keyboard.flat().map((b) => b.callback_data)).toEqual(['HANDOFF', 'MENU']);

    await c.press('HANDOFF', 'Gặp cán bộ');
    await waitFor(() => n() >= 4, 'handoff confirmation');
    expect(c.texts(user)[3]).toMatch(/^Tôi đã báo cán bộ\. .*\n.*Nếu sau 24 giờ chưa có cán bộ trả lời/s);
    // The staff's Telegram group hears of it, without the citizen's words.
    const notice = await waitFor(() => f.telegram.sent.find((s) => String(s.chat_id) === STAFF_GROUP), 'staff group notice');
    expect(notice.text).toBe('Có người dân cần gặp cán bộ (Telegram). Mở trang quản trị, mục “Hộp thư”, để trả lời: https://bot.example.vn/admin/#inbox.');
    expect(await metric(bot, 'bot_handoffs_open', { state: 'waiting' })).toBe(1);

    // Free text is kept for staff, unanswered; the menu still works.
    await c.say('Tôi muốn hỏi về lịch tiêm phòng lở mồm long móng');
    await c.say('xin chào');
    await c.say('menu');
    await waitFor(() => n() >= 5, 'menu');
    expect(c.texts(user)[4]).toBe('Bạn muốn làm gì?');
    expect(n()).toBe(5);

    const id = await waitingId('telegram');
    const list = (await admin.get('/api/admin/conversations?status=waiting')).body.items;
    expect(list[0]).toMatchObject({ id, channel: 'telegram', status: 'waiting' });
    expect(list[0].replyDeadline).toBeUndefined(); // Telegram has no window
    const conv = (await admin.get(`/api/admin/conversations/${id}`)).body;
    expect(conv.messages.map((m: any) => m.from)).toEqual(['citizen', 'bot', 'citizen', 'bot', 'citizen', 'citizen']);
    expect(conv.messages[1].text).toMatch(UNKNOWN);
    expect(conv.messages.at(-2).text).toBe('Tôi muốn hỏi về lịch tiêm phòng lở mồm long móng');

    const reply = await admin.post(`/api/admin/conversations/${id}/reply`, { text: 'Chào bác, lịch tiêm phòng đợt 2 do xã thông báo, bác hỏi trưởng bản nhé.' });
    expect(reply).toEqual({ status: 200, body: { delivered: true } });
    await waitFor(() => n() >= 6, 'staff reply');
    expect(c.texts(user)[5]).toBe('Cán bộ trả lời:\nChào bác, lịch tiêm phòng đợt 2 do xã thông báo, bác hỏi trưởng bản nhé.');
    expect((await admin.get('/api/admin/conversations?status=open')).body.items.map((i: any) => i.id)).toEqual([id]);
    expect(await (await fetch(`${bot.url}/metrics`)).text()).toMatch(/^bot_handoff_wait_seconds_count 1$/m);

    expect((await admin.post(`/api/admin/conversations/${id}/close`)).status).toBe(200);
    await waitFor(() => n() >= 7, 'bot is back');
    expect(c.texts(user)[6]).toMatch(/^Cán bộ đã kết thúc cuộc trò chuyện\. Trợ lý tự động tiếp tục giúp bạn/);
    await c.say('mật khẩu mạnh là gì');
    await waitFor(() => n() >= 8, 'the bot answers again');
    expect(c.texts(user)[7]).toMatch(/Nguồn: /);
    expect((await admin.get('/api/admin/outreach/summary')).body.handoffs).toMatchObject({ requested: 1, answered: 1 });
  });

  it('"Quay lại trợ lý" gives the conversation back at once; deleting my data removes what staff kept', async () => {
    const user = '81000002';
    const c = who().telegram(user);
    await c.say('gặp người thật');
    await waitFor(() => c.texts(user).length >= 1, 'confirmation');
    await c.say('Tôi bị mất tài khoản Zalo');
    const id = await waitingId('telegram');
    await c.press('HANDOFF_END', 'Quay lại trợ lý');
    await waitFor(() => c.texts(user).length >= 2, 'back to the bot');
    expect(c.texts(user)[1]).toMatch(/^Đã quay lại trợ lý tự động/);
    expect((await admin.get(`/api/admin/conversations/${id}`)).body.status).toBe('closed');

    // A question kept (with the bot's answer) in case the person asks for staff later.
    await c.say('mật khẩu mạnh là gì');
    await waitFor(() => c.texts(user).length >= 4, 'the answer');
    await c.say('Xóa dữ liệu của tôi');
    await waitFor(() => c.texts(user).length >= 5, 'delete question');
    await c.press('REG:delete:yes', 'Xóa');
    await waitFor(() => c.texts(user).length >= 6, 'deleted');
    const d = db();
    try {
      expect(d.prepare('SELECT COUNT(*) AS n FROM handoff_messages WHERE handoff_id = ?').get(id)).toEqual({ n: 0 });
      expect(d.prepare('SELECT user_key FROM handoffs WHERE id = ?').get(id)).toEqual({ user_key: null });
      expect(JSON.stringify(d.prepare('SELECT state FROM conversation_state WHERE session_id = ?').all(`telegram:${user}`))).not.toMatch(/mật khẩu mạnh|mất tài khoản/);
    } finally {
      d.close();
    }
  });

  it('refuses a reply outside the platform window with 409 and sends nothing; HUMAN_AGENT extends it to 7 days', async () => {
    const user = '8100000000000003';
    const c = who().messenger(user);
    // The person asked for staff 30 hours ago: past Messenger's 24 h.
    await c.say('gặp cán bộ', 30);
    const id = await waitingId('messenger');
    const item = (await admin.get('/api/admin/conversations?status=waiting')).body.items.find((i: any) => i.id === id);
    expect(item.canReply).toBe(false);
    const before = f.messenger.messageCalls.length;
    const refused = await admin.post(`/api/admin/conversations/${id}/reply`, { text: 'Chào bạn' });
    expect(refused.status).toBe(409);
    expect(refused.body).toEqual({ error: 'outside_window', message: expect.stringMatching(/^Đã quá thời hạn/) });
    expect(f.messenger.messageCalls.length).toBe(before);

    // With Meta's Human Agent permission, a person may reply up to 7 days, tagged HUMAN_AGENT.
    await bot.stop();
    bot = await startBot({ ...env(), MESSENGER_HUMAN_AGENT: 'true' }, { dataDir: bot.dataDir });
    const ok = await admin.post(`/api/admin/conversations/${id}/reply`, { text: 'Chào bạn, cán bộ đây.' });
    expect(ok).toEqual({ status: 200, body: { delivered: true } });
    const sent = f.messenger.sent.at(-1)!;
    expect(sent).toMatchObject({ recipient: { id: user }, messaging_type: 'MESSAGE_TAG', tag: 'HUMAN_AGENT' });
  });

  it('shows a viewer only their organisation\'s conversations; unregistered ones are for admins', async () => {
    const side = sqliteStore(path.join(bot.dataDir, 'bot.sqlite'));
    await side.staff.saveStaffUser({ username: 'xem.pn', passwordHash: await hashPassword('mat-khau-xem-456'), role: 'viewer', organisation: 'Hội Liên hiệp Phụ nữ' });
    await side.close();
    const login = await fetch(`${bot.url}/api/admin/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'xem.pn', password: 'mat-khau-xem-456' }) });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const asViewer = (p: string, body?: unknown) => fetch(`${bot.url}${p}`, { method: body ? 'POST' : 'GET', headers: { cookie, 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });

    const user = '81000004';
    const c = who().telegram(user);
    for (const [payload, title] of [['REGISTER', 'Đăng ký'], ['REG:consent:yes', 'Đồng ý'], ['REG:org:phunu', 'Phụ nữ'], ['REG:unit:muong-kim', 'Mường Kim'], ['HANDOFF', 'Gặp cán bộ']]) {
      const n = c.texts(user).length;
      await c.press(payload!, title!);
      await waitFor(() => c.texts(user).length > n, title);
    }
    const other = who().zalo('8100000000000000005');
    await other.say('gặp cán bộ');
    const theirs = await waitingId('zalo');
    const items = ((await (await asViewer('/api/admin/conversations?status=waiting')).json()) as any).items;
    expect(items.map((i: any) => i.organisation)).toEqual(['Hội Liên hiệp Phụ nữ']);
    expect((await asViewer(`/api/admin/conversations/${theirs}`)).status).toBe(404);
    expect((await asViewer(`/api/admin/conversations/${theirs}/reply`, { text: 'x' })).status).toBe(404);
    const mine = items[0].id;
    expect((await asViewer(`/api/admin/conversations/${mine}/reply`, { text: 'Chào chị' })).status).toBe(200);
    await waitFor(() => c.texts(user).at(-1) === 'Cán bộ trả lời:\nChào chị', 'the viewer\'s reply');
    // The Zalo conversation: its reply window (7 days) and the free part (48 h) are shown.
    const zalo = (await admin.get(`/api/admin/conversations/${theirs}`)).body;
    expect(Date.parse(zalo.replyDeadline) - Date.parse(zalo.freeUntil)).toBe(5 * 24 * 3600 * 1000);
  });

  it('web chat: the bot is silent, and a staff reply waits for the person\'s next message', async () => {
    const chat = async (body: Record<string, string>) => ((await (await fetch(`${bot.url}/api/chat`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId: 'web-h1', ...body }),
    })).json()) as { replies: { text: string }[] }).replies.map((r) => r.text);
    expect((await chat({ payload: 'HANDOFF' }))[0]).toMatch(/^Tôi đã báo cán bộ/);
    expect(await chat({ text: 'Tôi cần hỏi về chữ ký số' })).toEqual([]);
    const id = await waitingId('web');
    expect(await admin.post(`/api/admin/conversations/${id}/reply`, { text: 'Bạn hỏi gì ạ?' })).toEqual({ status: 200, body: { delivered: true } });
    // Shown to staff as not yet seen until the person writes again.
    expect((await admin.get(`/api/admin/conversations/${id}`)).body.messages.at(-1)).toMatchObject({ from: 'staff', delivered: false });
    expect(await chat({ text: 'còn đó không' })).toEqual(['Cán bộ trả lời:\nBạn hỏi gì ạ?']);
    expect((await admin.get(`/api/admin/conversations/${id}`)).body.messages.at(-2)).toMatchObject({ from: 'staff', delivered: true });
    expect(await chat({ text: 'ok' })).toEqual([]);
  });

  it('returns an unanswered conversation to the bot after HANDOFF_TIMEOUT_HOURS with an apology', async () => {
    const user = '81000006';
    const c = who().telegram(user);
    await c.say('gặp cán bộ');
    const id = await waitingId('telegram');
    const d = db();
    d.prepare('UPDATE handoffs SET requested_at = requested_at - ? WHERE id = ?').run(25 * 3600 * 1000, id);
    d.close();
    await waitFor(() => c.texts(user).length >= 2, 'apology');
    expect(c.texts(user)[1]).toMatch(/^Xin lỗi bạn, cán bộ chưa trả lời được trong 24 giờ qua/);
    expect((await admin.get(`/api/admin/conversations/${id}`)).body.status).toBe('closed');
    await c.say('mật khẩu mạnh là gì');
    await waitFor(() => c.texts(user).length >= 3, 'the bot answers');
    expect(c.texts(user)[2]).toMatch(/Nguồn: /);
  });
});
