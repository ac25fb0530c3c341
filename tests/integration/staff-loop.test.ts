import crypto from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { PG_URL, needs } from '../helpers/services.js';
import { waitFor } from '../helpers/wait.js';

// The staff loop through the real server: citizens' unanswered questions, grouped; one click attaches a question
// to a section (answered from then on) or marks it out of scope (declined); an undo takes it back.
const TOKEN = 'staff-loop-admin-token-0123456789';
const UNKNOWN = /^Xin lỗi, tôi chưa có thông tin/;
const DECLINED = /^Xin lỗi, (câu|việc) này nằm ngoài/;
const SECTION = 'kns-hoc-ky-nang-so-o-dau#2';
const TRAINING = ['Ông Quýt hỏi lịch tập huấn VNeID ở bản Nậm Xe khi nào', 'lich tap huan vneid o ban nam xe khi nao', 'Lịch tập huấn VNeID ở bản Nậm Xe khi nào ạ'] as const;

async function api(t: TestApp, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${t.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

const ask = async (t: TestApp, user: string, text: string) => (await t.chat(user, { text }))[0]!.text;

describe('the staff loop (SQLite)', () => {
  let t: TestApp;
  beforeAll(async () => { t = await startTestApp({ ADMIN_TOKEN: TOKEN }); });
  afterAll(async () => { await t.stop(); });

  it('groups the same question asked three ways, most asked first, with a suggested section', async () => {
    for (const [i, text] of TRAINING.entries()) expect(await ask(t, `loop-${i}`, text)).toMatch(UNKNOWN);
    expect(await ask(t, 'loop-9', 'Tổ công nghệ số bản Pá Ham có số điện thoại Zalo riêng không')).toMatch(UNKNOWN);
    const { body } = await api(t, '/api/admin/unanswered/groups');
    expect(body.groups.map((g: any) => g.count)).toEqual([3, 1]);
    expect(body.groups[0]).toMatchObject({ text: TRAINING[2], channels: ['web'], channelLabels: ['Web'] });
    expect(body.groups[0].others).toEqual([TRAINING[1], TRAINING[0]]);
    expect(body.groups[0].suggestion.chunkId).toEqual(expect.any(String));
    const { body: sections } = await api(t, '/api/admin/knowledge/sections');
    expect(sections.sections).toContainEqual(expect.objectContaining({ id: SECTION, heading: 'Ở Lai Châu có lớp học kỹ năng số trực tiếp không?' }));
  });

  it('one click attaches the question to a section: answered at once, for every wording, and gone from the list', async () => {
    const [group] = (await api(t, '/api/admin/unanswered/groups')).body.groups;
    const res = await api(t, '/api/admin/knowledge/samples', { ids: group.ids, text: TRAINING[0], chunkId: SECTION });
    expect(res.status).toBe(201);
    expect(res.body.now).toMatchObject({ kind: 'answer', title: expect.stringMatching(/^Học kỹ năng số ở đâu/) });
    // The same person who was refused a minute ago (the bot's recent answer is forgotten), and a new wording.
    for (const [user, text] of [['loop-0', TRAINING[0]], ['loop-5', 'lịch tập huấn vneid ở bản nậm xe bao giờ']] as const) {
      expect(await ask(t, user, text)).toMatch(/lớp học/i);
    }
    expect((await api(t, '/api/admin/unanswered/groups')).body.groups.map((g: any) => g.count)).toEqual([1]);
  });

  it('marks a question out of scope: declined from then on, not kept for staff', async () => {
    const text = 'Tổ công nghệ số bản Pá Ham có số điện thoại Zalo riêng không';
    const [group] = (await api(t, '/api/admin/unanswered/groups')).body.groups;
    const res = await api(t, '/api/admin/knowledge/out-of-scope', { ids: group.ids, text });
    expect(res.status).toBe(201);
    expect(res.body.now.kind).toBe('out_of_scope');
    expect(await ask(t, 'loop-6', 'to cong nghe so ban pa ham co so dien thoai zalo rieng khong')).toMatch(DECLINED);
    expect((await api(t, '/api/admin/unanswered/groups')).body.groups).toEqual([]);
  });

  it('lists the edits in force; an undo takes one back and the question is unanswered again', async () => {
    const { body } = await api(t, '/api/admin/knowledge/edits');
    expect(body.items.map((e: any) => [e.kind, e.author])).toEqual([['out_of_scope', 'admin-token'], ['sample', 'admin-token']]);
    const sample = body.items[1];
    expect((await api(t, `/api/admin/knowledge/edits/${sample.id}/undo`, {})).status).toBe(200);
    expect(await ask(t, 'loop-7', TRAINING[0])).toMatch(UNKNOWN);
    expect((await api(t, `/api/admin/knowledge/edits/${sample.id}/undo`, {})).status).toBe(400);
    expect((await api(t, '/api/admin/knowledge/edits')).body.items.map((e: any) => e.kind)).toEqual(['out_of_scope']);
  });

  it('survives a restart: the edits are in the database, not in memory', async () => {
    await t.restart();
    expect(await ask(t, 'loop-8', 'to cong nghe so ban pa ham co so dien thoai zalo rieng khong')).toMatch(DECLINED);
    expect(await ask(t, 'loop-8', TRAINING[0])).toMatch(UNKNOWN);
  });

  it('refuses bad edits with a clear 400 and needs an administrator', async () => {
    expect((await api(t, '/api/admin/knowledge/samples', { ids: [], text: TRAINING[0], chunkId: 'no-such#1' })).body.error.message).toBe('Không có mục nội dung này.');
    expect((await api(t, '/api/admin/knowledge/samples', { ids: [], text: 'a', chunkId: SECTION })).status).toBe(400);
    expect((await api(t, '/api/admin/knowledge/out-of-scope', { ids: [], text: 'là gì vậy ạ' })).status).toBe(400);
    expect((await api(t, '/api/admin/knowledge/edits/abc/undo', {})).status).toBe(400);
    expect((await fetch(`${t.url}/api/admin/unanswered/groups`)).status).toBe(401);
  });
});

const ready = await needs('postgres');
describe.skipIf(!ready)('the staff loop on two instances (PostgreSQL)', () => {
  const schema = `loop_${crypto.randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    const env = { ADMIN_TOKEN: TOKEN, KNOWLEDGE_SYNC_MS: '200', DATABASE_URL: `${PG_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}` };
    a = await startTestApp(env);
    b = await startTestApp(env);
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  });

  it('an edit made on one instance takes effect on the other without a restart', async () => {
    expect(await ask(b, 'pg-1', TRAINING[0])).toMatch(UNKNOWN);
    const [group] = (await api(a, '/api/admin/unanswered/groups')).body.groups;
    expect((await api(a, '/api/admin/knowledge/samples', { ids: group.ids, text: group.text, chunkId: SECTION })).status).toBe(201);
    await waitFor(async () => /lớp học/i.test(await ask(b, 'pg-1', TRAINING[0])), 'instance B to answer');
  });
});
