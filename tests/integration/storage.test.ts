import crypto from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { PostgresDriver } from '../../src/storage/sql/postgres-driver.js';
import { SqliteDriver } from '../../src/storage/sql/sqlite-driver.js';
import { sqlStore } from '../../src/storage/sql/store.js';
import type { Store } from '../../src/storage/ports.js';
import { tempDir } from '../helpers/app.js';
import { waitFor } from '../helpers/wait.js';
import { PG_URL, needs } from '../helpers/services.js';

// The machine's PostgreSQL (trust auth, database "test"); each run gets its own schema.
const pgReady = await needs('postgres');
const schema = `t_${crypto.randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: PG_URL });
afterAll(async () => {
  if (!pgReady) return;
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
  await admin.end().catch(() => undefined);
});

const sqliteFile = path.join(tempDir(), 'bot.sqlite');
/** Each store, and a way to run SQL on its tables behind its back (to stage an older database). */
const stores: [string, () => Promise<Store>, (sql: string) => Promise<void>][] = [
  ['SQLite', async () => sqlStore(new SqliteDriver(sqliteFile)), async (sql) => {
    const db = new Database(sqliteFile);
    db.exec(sql);
    db.close();
  }],
  ['PostgreSQL', async () => {
    await admin.connect().catch(() => undefined);
    await admin.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    return sqlStore(new PostgresDriver(`${PG_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`));
  }, async (sql) => {
    await admin.query(`SET search_path = ${schema}; ${sql}; RESET search_path`);
  }],
];

for (const [name, open] of stores) describe.skipIf(name === 'PostgreSQL' && !pgReady)(`${name} storage`, () => {
  let s: Store;
  it('migrates, twice without harm', async () => {
    s = await open();
    await s.migrate();
    await s.migrate();
    await s.ping();
  });

  it('keeps conversation state', async () => {
    expect(await s.conversations.getState('web:a')).toBeUndefined();
    await s.conversations.saveState('web:a', { greeted: true, quiz: { quizId: 'x', attemptId: 'y', order: [2, 0, 1], position: 1, correct: 1 } });
    expect(((await s.conversations.getState('web:a'))?.quiz as { order: number[] }).order).toEqual([2, 0, 1]);
  });

  it('inbox: stores a platform message once, lists the pending ones oldest first, marks them done', async () => {
    const t0 = Date.UTC(2026, 0, 2);
    const item = (id: string, user: string, at: number, channel = 'zalo') =>
      ({ channel, messageId: id, userId: user, event: JSON.stringify({ id, text: `câu ${id}` }), receivedAt: new Date(at) });
    expect(await s.inbox.enqueueInbound(item('z2', 'u1', t0 + 2))).toBe(true);
    expect(await s.inbox.enqueueInbound(item('z1', 'u2', t0 + 1))).toBe(true);
    expect(await s.inbox.enqueueInbound(item('z3', 'u1', t0 + 3))).toBe(true);
    // A redelivery is refused, whatever it carries; the same id on another channel is another message.
    expect(await s.inbox.enqueueInbound({ ...item('z2', 'u9', t0 + 9), event: '{}' })).toBe(false);
    expect(await s.inbox.enqueueInbound(item('z2', 'u1', t0 + 2, 'telegram'))).toBe(true);

    const pending = await s.inbox.pendingInbound('zalo', undefined, 10);
    expect(pending.map((p) => p.messageId)).toEqual(['z1', 'z2', 'z3']);
    expect(pending[1]).toEqual({ ...item('z2', 'u1', t0 + 2), attempts: 0 });
    expect((await s.inbox.pendingInbound('zalo', new Date(t0 + 3), 10)).map((p) => p.messageId)).toEqual(['z1', 'z2']);
    expect((await s.inbox.pendingInbound('zalo', undefined, 2)).map((p) => p.messageId)).toEqual(['z1', 'z2']);

    // Attempts are compare-and-set: of two runs that read the same count, one takes the row (a lease of 0 ends at once).
    const takes = await Promise.all([s.inbox.attemptInbound('zalo', 'z1', 0, 0), s.inbox.attemptInbound('zalo', 'z1', 0, 0)]);
    expect(takes.filter(Boolean)).toHaveLength(1);
    expect(await s.inbox.attemptInbound('zalo', 'z1', 1, 0)).toBe(true);
    expect((await s.inbox.pendingInbound('zalo', undefined, 1))[0]).toMatchObject({ messageId: 'z1', attempts: 2 });

    await s.inbox.completeInbound('zalo', 'z1');
    await s.inbox.completeInbound('zalo', 'z2');
    expect((await s.inbox.pendingInbound('zalo', undefined, 10)).map((p) => p.messageId)).toEqual(['z3']);
    expect(await s.inbox.attemptInbound('zalo', 'z1', 2, 0)).toBe(false);
    // Done rows still recognise a redelivery.
    expect(await s.inbox.enqueueInbound(item('z1', 'u2', t0 + 1))).toBe(false);
    expect((await s.inbox.pendingInbound('telegram', undefined, 10)).map((p) => p.userId)).toEqual(['u1']);
  });

  it('inbox: a taken row is leased, hidden from other runs until the lease runs out; renewing extends it', async () => {
    const at = Date.now() - 1000;
    const item = (id: string) => ({ channel: 'lease', messageId: id, userId: 'u1', event: '{}', receivedAt: new Date(at) });
    const pendingIds = async () => (await s.inbox.pendingInbound('lease', undefined, 10)).map((p) => p.messageId);
    expect(await s.inbox.enqueueInbound(item('l1'))).toBe(true);
    expect(await s.inbox.enqueueInbound(item('l2'))).toBe(true);

    // Taken for a minute: no longer pending for anyone else, and a second run cannot take it, whatever count it read.
    expect(await s.inbox.attemptInbound('lease', 'l1', 0, 60_000)).toBe(true);
    expect(await pendingIds()).toEqual(['l2']);
    expect(await s.inbox.attemptInbound('lease', 'l1', 1, 60_000)).toBe(false);
    expect(await s.inbox.attemptInbound('lease', 'l1', 0, 60_000)).toBe(false);
    // Only the holder's count renews it.
    expect(await s.inbox.renewInbound('lease', 'l1', 0, 60_000)).toBe(false);
    expect(await s.inbox.renewInbound('lease', 'l1', 1, 60_000)).toBe(true);

    // The holder renews it for a moment only (as if it stopped renewing): once that ran out, another run takes it over.
    expect(await s.inbox.renewInbound('lease', 'l1', 1, 20)).toBe(true);
    await waitFor(async () => (await pendingIds()).includes('l1'), 'the lease to run out');
    expect((await s.inbox.pendingInbound('lease', undefined, 10))[0]).toMatchObject({ messageId: 'l1', attempts: 1 });
    expect(await s.inbox.attemptInbound('lease', 'l1', 1, 60_000)).toBe(true);
    // The earlier holder has lost it: its renewal fails.
    expect(await s.inbox.renewInbound('lease', 'l1', 1, 60_000)).toBe(false);

    // Renewing extends a lease past its first end.
    const taken = Date.now();
    expect(await s.inbox.attemptInbound('lease', 'l2', 0, 30)).toBe(true);
    expect(await s.inbox.renewInbound('lease', 'l2', 1, 60_000)).toBe(true);
    await waitFor(() => Date.now() > taken + 100, 'the first lease\'s end to pass');
    expect(await pendingIds()).toEqual([]);
    expect(await s.inbox.attemptInbound('lease', 'l2', 1, 60_000)).toBe(false);

    // A lease of 0 releases the row at once; a done row is neither renewed nor taken.
    expect(await s.inbox.renewInbound('lease', 'l2', 1, 0)).toBe(true);
    expect(await pendingIds()).toEqual(['l2']);
    await s.inbox.completeInbound('lease', 'l2');
    expect(await s.inbox.renewInbound('lease', 'l2', 1, 60_000)).toBe(false);
    expect(await s.inbox.attemptInbound('lease', 'l2', 1, 0)).toBe(false);
    expect(await pendingIds()).toEqual([]);
  });

  it('records, filters and streams events in pages', async () => {
    const base = Date.UTC(2026, 0, 1);
    for (let i = 0; i < 25; i++) {
      await s.participation.recordEvent({ at: new Date(base + i * 3600_000), type: i % 2 ? 'question_answered' : 'quiz_completed', channel: i % 3 ? 'web' : 'zalo',
        userKey: i < 5 ? 'k1' : null, organisation: i < 5 ? 'Hội Nông dân' : null, unit: i < 5 ? 'Mường Kim' : null,
        quizId: i % 2 ? null : 'vneid', score: i % 2 ? null : 9, total: i % 2 ? null : 12, passed: i % 2 ? null : false });
    }
    expect(await s.participation.countEvents({})).toBe(25);
    expect(await s.participation.countEvents({ channel: 'zalo' })).toBe(9);
    expect(await s.participation.countEvents({ organisation: 'Hội Nông dân', from: new Date(base + 3600_000), to: new Date(base + 4 * 3600_000) })).toBe(3);
    const all = [];
    for await (const e of s.participation.iterateEvents({}, 7)) all.push(e);
    expect(all.map((e) => e.id)).toEqual([...all.map((e) => e.id)].sort((a, b) => a - b));
    expect(all).toHaveLength(25);
    expect(all[0]).toMatchObject({ type: 'quiz_completed', quizId: 'vneid', score: 9, total: 12, passed: false, userKey: 'k1' });
    expect(all[0]!.at.getTime()).toBe(base);
  });

  it('deletes personal data but keeps anonymous counts', async () => {
    await s.participation.saveProfile({ userKey: 'k1', channel: 'web', consentAt: new Date(), organisation: 'Hội Nông dân', unit: 'Mường Kim' });
    expect((await s.participation.getProfile('k1'))?.unit).toBe('Mường Kim');
    expect(await s.participation.deletePersonalData({ userKey: 'k1', channel: 'web', userId: 'web-k1' })).toBeGreaterThan(5);
    expect(await s.participation.getProfile('k1')).toBeUndefined();
    expect(await s.participation.countEvents({})).toBe(25);
    expect(await s.participation.countEvents({ organisation: 'Hội Nông dân' })).toBe(0);
  });

  it('compare-and-set lets exactly one writer win', async () => {
    const results = await Promise.all([s.settings.compareAndSetSetting('token', undefined, 'a'), s.settings.compareAndSetSetting('token', undefined, 'b')]);
    expect(results.filter(Boolean)).toHaveLength(1);
    const current = await s.settings.getSetting('token');
    expect(await s.settings.compareAndSetSetting('token', 'stale', 'c')).toBe(false);
    expect(await s.settings.compareAndSetSetting('token', current, 'd')).toBe(true);
    expect(await s.settings.getSetting('token')).toBe('d');
  });

  it('claims a person\'s earlier quiz attempts, fills in their affiliation, lists their results', async () => {
    const at = new Date(Date.UTC(2026, 2, 1));
    const quiz = { type: 'quiz_completed' as const, channel: 'web' as const, quizId: 'mat-khau', score: 12, total: 12, passed: true };
    await s.participation.recordEvent({ at, ...quiz, attemptId: 'a1' });
    await s.participation.recordEvent({ at, ...quiz, attemptId: 'other' });
    await s.participation.saveCompletionCode({ code: 'BDHVS-CLAI-MED1', quizId: 'mat-khau', score: 12, total: 12, at, userKey: null, attemptId: 'a1' });
    expect(await s.participation.claimAttempts('k9', ['a1', 'missing'])).toBe(1);
    // A second claim of the same id by someone else finds nothing left to take.
    expect(await s.participation.claimAttempts('k8', ['a1'])).toBe(0);
    await s.participation.fillAffiliation('k9', 'Hội Nông dân', undefined);
    await s.participation.fillAffiliation('k9', 'Đoàn Thanh niên', 'Pa Ủ');
    expect(await s.participation.quizResults('k9', 5)).toEqual([{ quizId: 'mat-khau', at, score: 12, total: 12, passed: true, code: 'BDHVS-CLAI-MED1' }]);
    expect(await s.participation.countEvents({ organisation: 'Hội Nông dân', unit: 'Pa Ủ' })).toBe(1);
    expect(await s.participation.quizResults('k8', 5)).toEqual([]);
    await s.participation.deletePersonalData({ userKey: 'k9', channel: 'web', userId: 'k9-user' });
    expect(await s.participation.quizResults('k9', 5)).toEqual([]);
  });

  it('counts why answers did not help, by topic', async () => {
    const at = (d: number) => new Date(Date.UTC(2026, 3, d));
    for (const [d, topic, reason] of [[1, 'VNeID mức 2', 'long'], [2, 'VNeID mức 2', 'topic'], [2, 'VNeID mức 2', 'long'], [3, 'Mật khẩu mạnh', 'unclear'], [9, 'Mật khẩu mạnh', 'topic']] as const) {
      await s.participation.recordFeedbackReason({ at: at(d), channel: 'web', topic, reason });
    }
    expect(await s.participation.feedbackReasons({ from: at(1), to: at(5) }, 10)).toEqual([
      { topic: 'VNeID mức 2', reasons: { topic: 1, long: 2, unclear: 0 }, total: 3 },
      { topic: 'Mật khẩu mạnh', reasons: { topic: 0, long: 0, unclear: 1 }, total: 1 },
    ]);
    expect(await s.participation.feedbackReasons({}, 1)).toHaveLength(1);
  });

  it('stores completion codes, staff, sessions and the audit log', async () => {
    await s.participation.saveCompletionCode({ code: 'BDHVS-AAAA-BBBB', quizId: 'vneid', score: 11, total: 12, at: new Date(), userKey: null });
    expect(await s.participation.findCompletionCode('BDHVS-AAAA-BBBB')).toMatchObject({ quizId: 'vneid', score: 11, total: 12 });
    await s.staff.saveStaffUser({ username: 'lan', passwordHash: 'h', role: 'viewer', organisation: 'Đoàn Thanh niên' });
    expect(await s.staff.getStaffUser('lan')).toMatchObject({ role: 'viewer', organisation: 'Đoàn Thanh niên' });
    await s.staff.createStaffSession({ token: 't1', username: 'lan', expiresAt: new Date(Date.now() + 1000) });
    expect((await s.staff.getStaffSession('t1'))?.username).toBe('lan');
    await s.staff.deleteStaffSession('t1');
    expect(await s.staff.getStaffSession('t1')).toBeUndefined();
    await s.staff.logAudit('lan', 'export', 'xlsx');
    expect((await s.staff.listAudit(5))[0]).toMatchObject({ actor: 'lan', action: 'export' });
    await s.participation.recordUnanswered('web', 'giá vàng', new Date(), 'k2');
    expect((await s.participation.listUnanswered(1))[0]?.text).toBe('giá vàng');
    await s.close();
  });
});
