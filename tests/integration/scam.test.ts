import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type ChatReply, type TestApp } from '../helpers/app.js';
import { FakeCdn } from '../helpers/fake-cdn.js';
import { FakeMessenger, FB_APP_SECRET, FB_PAGE_TOKEN, FB_VERIFY_TOKEN, fbBody, fbEvent, fbSign } from '../helpers/fake-messenger.js';
import { metric, startBot, type Bot } from '../helpers/fake-server.js';
import { FakeTelegram, TG_TOKEN, tgPhotoUpdate } from '../helpers/fake-telegram.js';
import { FakeZalo, ZALO_APP_ID, ZALO_APP_SECRET, ZALO_OA_SECRET, zaloImage, zaloSign } from '../helpers/fake-zalo.js';
import { waitFor } from '../helpers/wait.js';

/**
 * "Cái này có phải lừa đảo không?" through the real server: forwarded text and screenshots on the web chat,
 * screenshots from Telegram (photo → getFile → download), Messenger and Zalo (attachment URL on a local CDN fake),
 * refused uploads, and what is counted (metrics, the staff statistics, the event export), never the message.
 */

const fixture = (name: string) => fs.readFileSync(path.join(import.meta.dirname, '../fixtures/scam', name));
const SCAM_PNG = fixture('scam-light.png'); // s001 of tests/eval/scam: a fake police message
const LEGIT_PNG = fixture('legit-dark.png'); // l001: a bank OTP notice that says not to give the code to anyone
const dataUrl = (bytes: Buffer, type = 'png') => `data:image/${type};base64,${bytes.toString('base64')}`;
const ADMIN_TOKEN = 'scam-test-admin-token-0123456789';

const SCAM_SMS = 'VNeID: Tai khoan dinh danh muc 2 cua ban sap het han. Cap nhat ngay tai vneid-capnhat.top de tranh bi khoa tai khoan.';
const OTP_NOTICE = 'Ma OTP cua Quy khach la 482913, hieu luc trong 3 phut. Tuyet doi KHONG cung cap ma nay cho bat ky ai, ke ca nhan vien ngan hang.';
const all = (replies: ChatReply[]) => replies.map((r) => r.text).join('\n');

let t: TestApp;
const post = (body: unknown) => fetch(`${t.url}/api/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const stats = async () => (await (await fetch(`${t.url}/api/admin/stats`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as {
  totals: { scamChecks: number }; scam: { total: number; byVerdict: Record<string, number>; byChannel: { channel: string; verdicts: Record<string, number> }[]; bySignal: { signal: string; count: number }[] };
};

beforeAll(async () => {
  t = await startTestApp({ OCR_WORKERS: '1', IMAGE_MAX_BYTES: String(100 * 1024), ADMIN_TOKEN });
});
afterAll(async () => { await t?.stop(); });

describe('scam check on the web chat', () => {
  it('a forwarded scam: "rõ ràng là lừa đảo", the signals quoted, what to do with 156/5656, the source', async () => {
    const replies = await t.chat('scam-1', { text: `Tin này có phải lừa đảo không: ${SCAM_SMS}` });
    const text = all(replies);
    expect(text).toContain('RÕ RÀNG LÀ LỪA ĐẢO');
    expect(text).toContain('“vneid-capnhat.top”');
    expect(text).toContain('vneid.gov.vn');
    expect(text).toMatch(/156 hoặc 5656/);
    expect(text).toMatch(/Nguồn: /);
    expect(replies.at(-1)!.buttons.map((b) => b.payload)).toEqual(['SCAM', 'MENU']);
    // The message is not a question for the knowledge base: no "Câu trả lời có hữu ích không?".
    expect(text).not.toContain('hữu ích');
  });

  it('a legitimate notice: no sign found, yet "vẫn nên cẩn thận" and never "an toàn"', async () => {
    const text = all(await t.chat('scam-2', { text: `có phải lừa đảo không: ${OTP_NOTICE}` }));
    expect(text).toContain('CHƯA THẤY DẤU HIỆU');
    expect(text).toContain('VẪN NÊN CẨN THẬN');
    // "Cục An toàn thông tin" is named as the source; nothing else may say "an toàn".
    expect(text.replaceAll('Cục An toàn thông tin', '')).not.toMatch(/an toàn/i);
  });

  it('the menu entry asks for the message, then checks what is pasted', async () => {
    const first = await t.chat('scam-3', { payload: 'SCAM' });
    expect(first[0]!.text).toMatch(/dán .*tin nhắn .*ảnh chụp màn hình/);
    const text = all(await t.chat('scam-3', { text: 'Chúc mừng bạn trúng giải nhì 80 triệu đồng. Để nhận giải, bạn nộp thuế thu nhập 10% vào tài khoản của ban tổ chức trước 18h hôm nay.' }));
    expect(text).toContain('RÕ RÀNG LÀ LỪA ĐẢO');
    expect(text).toContain('Đòi chuyển tiền, nộp phí');
  });

  it('a screenshot: read offline, the verdict and what was read; a legitimate one in dark theme', async () => {
    const res = await post({ userId: 'scam-4', image: dataUrl(SCAM_PNG) });
    expect(res.status).toBe(200);
    const text = all(((await res.json()) as { replies: ChatReply[] }).replies);
    expect(text).toContain('Tôi đọc được trong ảnh');
    expect(text).toContain('Cơ quan Cảnh sát điều tra');
    expect(text).toContain('RÕ RÀNG LÀ LỪA ĐẢO');
    const legit = all(((await (await post({ userId: 'scam-5', image: dataUrl(LEGIT_PNG) })).json()) as { replies: ChatReply[] }).replies);
    expect(legit).toContain('CHƯA THẤY DẤU HIỆU');
  });

  it('refuses oversize and non-image bodies with 413/400 and records nothing', async () => {
    const before = (await stats()).scam.total;
    // Just over IMAGE_MAX_BYTES (100 KB): the picture is refused by name.
    const big = Buffer.concat([SCAM_PNG, Buffer.alloc(101 * 1024 - SCAM_PNG.length)]);
    const tooBig = await post({ userId: 'scam-6', image: dataUrl(big) });
    expect(tooBig.status).toBe(413);
    expect(((await tooBig.json()) as { error: { code: string } }).error.code).toBe('image_too_large');
    // Larger than any image body may be: the body itself is refused.
    expect((await post({ userId: 'scam-6', image: dataUrl(Buffer.alloc(300 * 1024, 1)) })).status).toBe(413);
    const refused = [
      { userId: 'scam-6', image: dataUrl(Buffer.from('<html>not a picture</html>')) },
      { userId: 'scam-6', image: dataUrl(SCAM_PNG, 'gif') },
      { userId: 'scam-6', image: dataUrl(SCAM_PNG, 'jpeg') }, // a PNG that says it is a JPEG
      { userId: 'scam-6', image: 'https://example.invalid/a.png' },
      { userId: 'scam-6', image: dataUrl(SCAM_PNG), text: 'có phải lừa đảo không' },
    ];
    for (const body of refused) {
      const res = await post(body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
    }
    // Without an image, a body over BODY_LIMIT_BYTES is refused as before.
    expect((await post({ userId: 'scam-6', text: 'x'.repeat(70 * 1024) })).status).toBe(413);
    expect((await stats()).scam.total).toBe(before);
  });

  it('a picture without text gets a polite reply, counted as unreadable', async () => {
    const blank = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mP8/x8AAwMCAO+ip1sAAAAASUVORK5CYII=', 'base64');
    const text = all(((await (await post({ userId: 'scam-7', image: dataUrl(blank) })).json()) as { replies: ChatReply[] }).replies);
    expect(text).toMatch(/chưa đọc được chữ trong ảnh/);
    expect(await metric(t, 'bot_images_total', { outcome: 'unreadable' })).toBe(1);
  });

  it('counts checks per channel, verdict and signal kind (metrics, statistics, events export), never the message', async () => {
    expect(await metric(t, 'bot_scam_checks_total', { channel: 'web', verdict: 'scam', input: 'text' })).toBe(2);
    expect(await metric(t, 'bot_scam_checks_total', { channel: 'web', verdict: 'scam', input: 'image' })).toBe(1);
    expect(await metric(t, 'bot_scam_checks_total', { channel: 'web', verdict: 'no_sign' })).toBe(2);
    expect(await metric(t, 'bot_scam_signals_total', { signal: 'fake_link' })).toBeGreaterThanOrEqual(1);
    const s = await stats();
    expect(s.totals.scamChecks).toBe(5);
    expect(s.scam.byVerdict).toEqual({ scam: 3, suspicious: 0, no_sign: 2 });
    expect(s.scam.byChannel.find((c) => c.channel === 'web')!.verdicts.scam).toBe(3);
    expect(s.scam.bySignal.map((x) => x.signal)).toEqual(expect.arrayContaining(['fake_link', 'money', 'threat']));
    const csv = await (await fetch(`${t.url}/api/admin/export.csv?rows=events`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).text();
    const rows = csv.split('\r\n').filter((l) => l.includes('Kiểm tra tin lừa đảo'));
    expect(rows).toHaveLength(5);
    expect(rows.some((r) => r.includes('Rõ ràng là lừa đảo') && r.includes('Đường link giả'))).toBe(true);
    expect(csv).not.toContain('vneid-capnhat');
    expect(csv).not.toContain('482913');
  });
});

describe('screenshots from the platforms', () => {
  let bot: Bot | undefined;
  let cdn: FakeCdn;
  beforeAll(async () => { cdn = await FakeCdn.start(); });
  afterAll(async () => {
    await bot?.stop();
    await cdn.close();
  });

  it('Telegram: photo → getFile → download from the file URL → verdict', async () => {
    const tg = await FakeTelegram.start();
    try {
      bot = await startBot({ TELEGRAM_BOT_TOKEN: TG_TOKEN, TELEGRAM_WEBHOOK_SECRET: 'scam_secret', TELEGRAM_API_ROOT: tg.url, OCR_WORKERS: '1' });
      tg.addFile('AgACAgIAAx-photo-1', SCAM_PNG);
      const res = await bot.post('/webhooks/telegram', JSON.stringify(tgPhotoUpdate('AgACAgIAAx-photo-1', 4242)), { 'x-telegram-bot-api-secret-token': 'scam_secret' });
      expect(res.status).toBe(200);
      await waitFor(() => tg.textsTo(4242).some((x) => x.includes('LỪA ĐẢO')), 'the verdict', 30_000);
      // The largest size was asked for, and fetched from {apiRoot}/file/bot<token>/<file_path>.
      expect(tg.calls('getFile').map((r) => r.body.file_id)).toEqual(['AgACAgIAAx-photo-1']);
      expect(tg.downloads.map((r) => r.path)).toEqual([`/file/bot${TG_TOKEN}/photos/AgACAgIAAx-photo-1.png`]);
      expect(await metric(bot, 'bot_scam_checks_total', { channel: 'telegram', input: 'image' })).toBe(1);
    } finally {
      await bot?.stop();
      bot = undefined;
      await tg.close();
    }
  });

  it('Messenger: an image attachment fetched from its URL', async () => {
    const fb = await FakeMessenger.start();
    try {
      bot = await startBot({ MESSENGER_PAGE_ACCESS_TOKEN: FB_PAGE_TOKEN, MESSENGER_APP_SECRET: FB_APP_SECRET, MESSENGER_VERIFY_TOKEN: FB_VERIFY_TOKEN, MESSENGER_GRAPH_URL: fb.graphUrl, OCR_WORKERS: '1' });
      const url = cdn.put('/fb/scam.png', SCAM_PNG);
      const raw = JSON.stringify(fbBody([fbEvent({ psid: 'P-scam', attachments: [{ type: 'image', payload: { url } }] })]));
      expect((await bot.post('/webhooks/messenger', raw, { 'x-hub-signature-256': fbSign(raw) })).status).toBe(200);
      await waitFor(() => fb.textsTo('P-scam').some((x) => x.includes('LỪA ĐẢO')), 'the verdict', 30_000);
      expect(cdn.downloads('/fb/scam.png')).toHaveLength(1);
    } finally {
      await bot?.stop();
      bot = undefined;
      await fb.close();
    }
  });

  it('Zalo: user_send_image fetched from its URL; a sticker is still not read', async () => {
    const zl = await FakeZalo.start();
    zl.reset(['at-live'], ['rt-1']);
    try {
      bot = await startBot({
        ZALO_APP_ID, ZALO_APP_SECRET, ZALO_OA_SECRET_KEY: ZALO_OA_SECRET, ZALO_ACCESS_TOKEN: 'at-live', ZALO_REFRESH_TOKEN: 'rt-1',
        ZALO_API_URL: zl.url, ZALO_OAUTH_URL: zl.url, OCR_WORKERS: '1',
      });
      const deliver = (ev: Record<string, unknown>) => {
        const raw = JSON.stringify(ev);
        return bot!.post('/webhooks/zalo', raw, { 'x-zevent-signature': zaloSign(raw, String(ev.timestamp)) });
      };
      expect((await deliver(zaloImage('777', cdn.put('/zl/legit.png', LEGIT_PNG)))).status).toBe(200);
      await waitFor(() => zl.sent.some((s) => s.message.text.includes('CHƯA THẤY DẤU HIỆU')), 'the verdict', 30_000);
      expect(cdn.downloads('/zl/legit.png')).toHaveLength(1);
      await deliver(zaloImage('777', cdn.put('/zl/sticker.png', SCAM_PNG), 'user_send_sticker'));
      await waitFor(() => zl.sent.some((s) => s.message.text.includes('chưa đọc được loại tin này')), 'unsupported');
      expect(cdn.downloads('/zl/sticker.png')).toHaveLength(0);
    } finally {
      await bot?.stop();
      bot = undefined;
      await zl.close();
    }
  });
});
