import Database from 'better-sqlite3';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';

const TOKEN = 'test-admin-token-123456';
let t: TestApp;
beforeAll(async () => { t = await startTestApp({ ADMIN_TOKEN: TOKEN }); });
afterAll(async () => { await t.stop(); });

const rows = (sql: string) => {
  const d = new Database(path.join(t.dataDir, 'bot.sqlite'), { readonly: true });
  try { return d.prepare(sql).all(); } finally { d.close(); }
};

describe('"Chưa hữu ích"', () => {
  it('asks what was missing in one tap and keeps the reason with the answer\'s article for staff, not the question', async () => {
    const question = 'mật khẩu mạnh là gì, số tôi 0912345678';
    const answer = await t.chat('fb-why', { text: question });
    const title = /bài “([^”]+)”/.exec(answer[0]!.text)![1]!;
    const ask = await t.chat('fb-why', { payload: 'FB:no' });
    expect(ask[0]!.text).toBe('Cảm ơn bạn! Câu trả lời chưa ổn ở điểm nào?');
    expect(ask[0]!.buttons).toEqual([
      { title: 'Sai chủ đề', payload: 'FB:why:topic' }, { title: 'Dài quá', payload: 'FB:why:long' },
      { title: 'Khó hiểu', payload: 'FB:why:unclear' }, { title: 'Menu', payload: 'MENU' },
    ]);
    const done = await t.chat('fb-why', { payload: 'FB:why:long' });
    expect(done[0]!.text).toMatch(/Ý kiến này được chuyển cho cán bộ/);
    expect(rows('SELECT channel, topic, reason FROM feedback_reasons')).toEqual([{ channel: 'web', topic: title, reason: 'long' }]);
    // The vote was counted at the first tap, once; a second reason for the same answer is not kept.
    await t.chat('fb-why', { payload: 'FB:why:unclear' });
    expect(rows('SELECT COUNT(*) AS n FROM feedback_reasons')).toEqual([{ n: 1 }]);
    expect(rows("SELECT COUNT(*) AS n FROM events WHERE type = 'feedback_unhelpful'")).toEqual([{ n: 1 }]);
    // Nothing the person typed is kept with it.
    expect(JSON.stringify(rows('SELECT * FROM feedback_reasons'))).not.toMatch(/0912345678|là gì/);

    const res = await fetch(`${t.url}/api/admin/feedback`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      labels: { topic: 'Bài viết đã trả lời', reasons: { topic: 'Sai chủ đề', long: 'Dài quá', unclear: 'Khó hiểu' }, total: 'Số góp ý' },
      items: [{ topic: title, reasons: { topic: 0, long: 1, unclear: 0 }, total: 1 }],
    });
    expect((await fetch(`${t.url}/api/admin/feedback`)).status).toBe(401);
  });

  it('does not ask after "Hữu ích", and ignores a made-up reason', async () => {
    await t.chat('fb-ok', { text: 'vneid la gi' });
    const thanks = await t.chat('fb-ok', { payload: 'FB:yes' });
    expect(thanks[0]!.text).toBe('Cảm ơn bạn đã góp ý!');
    await t.chat('fb-odd', { text: 'vneid la gi' });
    await t.chat('fb-odd', { payload: 'FB:no' });
    await t.chat('fb-odd', { payload: 'FB:why:nonsense' });
    expect(rows("SELECT COUNT(*) AS n FROM feedback_reasons WHERE reason NOT IN ('topic', 'long', 'unclear')")).toEqual([{ n: 0 }]);
  });
});
