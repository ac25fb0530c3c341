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

// Outreach tables on both databases: subscriptions, leased deliveries, conversations with staff, and deletion.
const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/test';
const schema = `o_${crypto.randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: PG_URL });
afterAll(async () => {
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
  await admin.end().catch(() => undefined);
});

const sqliteFile = path.join(tempDir(), 'bot.sqlite');
/** Each store, and a way to read its tables behind its back. */
const stores: [string, () => Promise<Store>, (table: string) => Promise<unknown[]>][] = [
  ['SQLite', async () => sqlStore(new SqliteDriver(sqliteFile)), async (table) => {
    const db = new Database(sqliteFile, { readonly: true });
    try { return db.prepare(`SELECT * FROM ${table}`).all(); } finally { db.close(); }
  }],
  ['PostgreSQL', async () => {
    await admin.connect().catch(() => undefined);
    await admin.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    return sqlStore(new PostgresDriver(`${PG_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`));
  }, async (table) => (await admin.query(`SELECT * FROM ${schema}.${table}`)).rows],
];

const at = (minutes: number) => new Date(Date.UTC(2026, 2, 1) + minutes * 60_000);

describe.each(stores)('%s outreach storage', (_name, open, rows) => {
  let s: Store;
  afterAll(async () => { await s?.close(); });

  it('subscribes, unsubscribes, marks gone and back, and keeps the consent time', async () => {
    s = await open();
    await s.migrate();
    const subs = s.outreach.subscriptions;
    await subs.saveContact({ userKey: 'k1', channel: 'telegram', userId: '111', lastSeen: at(0) });
    expect(await subs.subscribe('k1', 'telegram', at(0))).toBe('new');
    expect(await subs.subscribe('k1', 'telegram', at(1))).toBe('already');
    expect((await subs.getSubscription('k1'))).toMatchObject({ status: 'active', consentAt: at(0) });
    expect(await subs.markGone('k1', '403', at(2))).toBe(true);
    expect(await subs.markGone('k1', '403', at(3))).toBe(false);
    expect(await subs.markBack('k1', at(4))).toBe(true);
    expect(await subs.unsubscribe('k1', at(5))).toBe(true);
    expect(await subs.unsubscribe('k1', at(6))).toBe(false);
    expect(await subs.markBack('k1', at(7))).toBe(false);
    expect(await subs.subscribe('k1', 'telegram', at(8))).toBe('again');
    expect((await subs.getSubscription('k1'))).toMatchObject({ status: 'active', consentAt: at(8) });
    // A later message moves the last interaction forward, never back.
    expect(await subs.touchContact('k1', at(9), undefined)).toBe(true);
    expect(await subs.touchContact('k1', at(2), '{"a":1}')).toBe(true);
    expect(await subs.getContact('k1')).toMatchObject({ lastSeen: at(9), address: '{"a":1}', userId: '111' });
    expect(await subs.touchContact('nobody', at(9))).toBe(false);
  });

  it('starts an announcement once, to its audience only, and leases each delivery to one claimer', async () => {
    const subs = s.outreach.subscriptions;
    const b = s.outreach.broadcasts;
    for (const [key, channel] of [['k2', 'zalo'], ['k3', 'zalo'], ['k4', 'messenger']] as const) {
      await subs.saveContact({ userKey: key, channel, userId: `id-${key}`, lastSeen: at(10) });
      await subs.subscribe(key, channel, at(10));
    }
    await s.participation.saveProfile({ userKey: 'k2', channel: 'zalo', consentAt: at(0), organisation: 'Hội Nông dân', unit: 'Mường Kim' });
    expect((await subs.audience({ channel: 'zalo' })).length).toBe(2);
    expect((await subs.audience({ organisation: 'Hội Nông dân' })).length).toBe(1);
    expect((await subs.audience({})).length).toBe(4);

    await b.createBroadcast({ id: 'b1', createdAt: at(20), createdBy: 'admin', text: 'Tin', buttons: [], filter: { channel: 'zalo' }, status: 'draft' });
    expect(await Promise.all([b.startBroadcast('b1', at(21)), b.startBroadcast('b1', at(21))])).toContain(true);
    expect(await b.startBroadcast('b1', at(22))).toBe(false);
    const rows = await b.claimableDeliveries('b1', 10);
    expect(rows.map((r) => r.userKey).sort()).toEqual(['k2', 'k3']);
    const [d1, d2] = rows as [typeof rows[0], typeof rows[0]];
    const takes = await Promise.all([b.claimDelivery(d1.id, 'pending', 0, 60_000), b.claimDelivery(d1.id, 'pending', 0, 60_000)]);
    expect(takes.filter(Boolean)).toHaveLength(1);
    expect((await b.claimableDeliveries('b1', 10)).map((r) => r.id)).toEqual([d2.id]);
    expect(await b.finishDelivery(d1.id, 1, 'sent', undefined, at(23))).toBe(true);
    expect(await b.finishDelivery(d1.id, 1, 'failed', 'x', at(23))).toBe(false);
    expect(await b.finishBroadcast('b1', at(24))).toBe(false);
    expect(await b.claimDelivery(d2.id, 'pending', 0, 60_000)).toBe(true);
    expect(await b.finishDelivery(d2.id, 1, 'later', 'window', at(24))).toBe(true);
    expect(await b.finishBroadcast('b1', at(25))).toBe(true);
    expect((await b.laterFor(d2.userKey!, at(0))).map((r) => r.text)).toEqual(['Tin']);
    const counts = await b.deliveryCounts('b1');
    expect(counts.map((c) => `${c.channel}:${c.status}:${c.count}`).sort()).toEqual(['zalo:later:1', 'zalo:sent:1']);
    expect(await b.sentByChannel(undefined, undefined)).toEqual([{ channel: 'zalo', count: 1 }]);
  });

  it('cancels: pending and later deliveries are skipped, a send in flight is still reported as sent', async () => {
    const b = s.outreach.broadcasts;
    await b.createBroadcast({ id: 'b2', createdAt: at(30), createdBy: 'admin', text: 'Tin 2', buttons: [{ title: 'Bài', payload: 'QUIZ' }], filter: {}, status: 'draft' });
    expect(await b.startBroadcast('b2', at(31))).toBe(true);
    const [first] = await b.claimableDeliveries('b2', 1);
    expect(await b.claimDelivery(first!.id, 'pending', 0, 60_000)).toBe(true);
    expect(await b.cancelBroadcast('b2', at(32))).toBe(true);
    expect(await b.cancelBroadcast('b2', at(33))).toBe(false);
    expect(await b.finishDelivery(first!.id, 1, 'sent', undefined, at(33))).toBe(true);
    const counts = Object.fromEntries((await b.deliveryCounts('b2')).map((c) => [c.status, 0]));
    for (const c of await b.deliveryCounts('b2')) counts[c.status]! += c.count;
    expect(counts).toEqual({ sent: 1, skipped: 3 });
    expect((await b.getBroadcast('b2'))).toMatchObject({ status: 'cancelled', buttons: [{ title: 'Bài', payload: 'QUIZ' }] });
  });

  it('holds one conversation with staff per person, lists them oldest first, closes once', async () => {
    const h = s.outreach.handoffs;
    const base = { channel: 'zalo' as const, status: 'waiting' as const, lastMessageAt: at(40), backNotified: false };
    expect(await h.openHandoff({ ...base, id: 'h1', userKey: 'k2', organisation: 'Hội Nông dân', requestedAt: at(40) },
      [{ from: 'citizen', text: 'hỏi', at: at(39), delivered: true }, { from: 'bot', text: 'chưa có thông tin', at: at(39), delivered: true }])).toBe(true);
    expect(await h.openHandoff({ ...base, id: 'h2', userKey: 'k2', requestedAt: at(41) }, [{ from: 'citizen', text: 'x', at: at(41), delivered: true }])).toBe(false);
    expect(await h.openHandoff({ ...base, id: 'h3', userKey: 'k3', requestedAt: at(35) }, [])).toBe(true);
    expect((await h.listHandoffs('waiting', undefined, 10)).map((x) => x.id)).toEqual(['h3', 'h1']);
    expect((await h.listHandoffs('waiting', 'Hội Nông dân', 10)).map((x) => x.id)).toEqual(['h1']);
    await h.addHandoffMessage({ handoffId: 'h1', from: 'staff', author: 'canbo', text: 'Chào bạn', at: at(42), delivered: false });
    expect((await h.handoffMessages('h1', 10)).map((m) => m.from)).toEqual(['citizen', 'bot', 'staff']);
    expect((await h.undeliveredStaffMessages('h1')).map((m) => m.text)).toEqual(['Chào bạn']);
    expect(await h.markAnswered('h1', at(42))).toBe(true);
    expect(await h.markAnswered('h1', at(43))).toBe(false);
    expect((await h.activeHandoff('k2'))?.status).toBe('open');
    expect((await h.expiredHandoffs(at(60), 10)).map((x) => x.id)).toEqual(['h3']);
    expect(await Promise.all([h.closeHandoff('h3', 'timeout', at(61)), h.closeHandoff('h3', 'timeout', at(61))])).toContain(false);
    expect((await h.unnotifiedClosed('k3')).map((x) => x.id)).toEqual(['h3']);
    expect((await h.handoffTimes(undefined, undefined)).filter((x) => x.answeredAt)).toHaveLength(1);
  });

  it('deleting a person\'s data leaves nothing of them in the outreach tables, and keeps the counts', async () => {
    const before = (await s.outreach.broadcasts.deliveryCounts('b1')).reduce((n, c) => n + c.count, 0);
    await s.participation.deletePersonalData({ userKey: 'k2', channel: 'telegram', userId: '2' });
    expect(await s.outreach.subscriptions.getSubscription('k2')).toBeUndefined();
    expect(await s.outreach.subscriptions.getContact('k2')).toBeUndefined();
    expect(await s.outreach.handoffs.activeHandoff('k2')).toBeUndefined();
    expect(await s.outreach.handoffs.handoffMessages('h1', 10)).toEqual([]);
    expect(await s.outreach.handoffs.getHandoff('h1')).toMatchObject({ userKey: null, status: 'closed', organisation: undefined });
    expect(await s.outreach.broadcasts.laterFor('k2', at(0))).toEqual([]);
    expect((await s.outreach.broadcasts.deliveryCounts('b1')).reduce((n, c) => n + c.count, 0)).toBe(before);
    // No row still names the person.
    for (const table of ['contacts', 'subscriptions', 'deliveries', 'handoffs', 'handoff_messages']) {
      expect(JSON.stringify(await rows(table)), table).not.toContain('k2');
    }
  });
});
