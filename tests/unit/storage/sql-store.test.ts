import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ddl, type SqlDriver } from '../../../src/storage/sql/driver.js';
import { SqliteDriver } from '../../../src/storage/sql/sqlite-driver.js';
import { sqlStore } from '../../../src/storage/sql/store.js';
import type { Store } from '../../../src/storage/ports.js';
import type { StoredEvent } from '../../../src/storage/types.js';

// What tests/integration/storage.test.ts (both databases) leaves out, on in-memory SQLite.

let store: Store;
beforeEach(async () => {
  store = sqlStore(new SqliteDriver(':memory:'));
  await store.migrate();
});
afterEach(() => store.close());

describe('ddl', () => {
  it('replaces the column type tokens with the driver\'s names, and nothing else', () => {
    const driver = { types: { id: 'BIGSERIAL PRIMARY KEY', bigint: 'BIGINT', json: 'JSONB', bool: 'BOOLEAN' } } as SqlDriver;
    expect(ddl(driver, 'CREATE TABLE t (id {id}, at {bigint}, doc {json}, ok {bool}, note TEXT DEFAULT \'{other}\')'))
      .toBe('CREATE TABLE t (id BIGSERIAL PRIMARY KEY, at BIGINT, doc JSONB, ok BOOLEAN, note TEXT DEFAULT \'{other}\')');
  });
});

describe('SQL store on SQLite', () => {
  it('forgets a conversation\'s state on deleteState', async () => {
    await store.conversations.saveState('zalo:u1', { greeted: true });
    await store.conversations.saveState('zalo:u2', { greeted: true });
    await store.conversations.deleteState('zalo:u1');
    expect(await store.conversations.getState('zalo:u1')).toBeUndefined();
    expect(await store.conversations.getState('zalo:u2')).toEqual({ greeted: true });
  });

  it('deleting personal data keeps the completion code and the events but drops who they belong to; others keep theirs', async () => {
    const at = new Date(Date.UTC(2026, 1, 1));
    for (const key of ['k1', 'k2']) {
      await store.participation.saveProfile({ userKey: key, channel: 'web', consentAt: at, organisation: 'Công đoàn', unit: 'Bình Lư' });
      await store.participation.recordEvent({ at, type: 'quiz_completed', channel: 'web', userKey: key, organisation: 'Công đoàn', unit: 'Bình Lư', quizId: 'vneid', score: 12, total: 12, passed: true });
      await store.participation.saveCompletionCode({ code: `BDHVS-${key.toUpperCase()}AA-BBBB`, quizId: 'vneid', score: 12, total: 12, at, userKey: key });
    }
    expect(await store.participation.deletePersonalData({ userKey: 'k1', channel: 'web', userId: 'u1' })).toBe(3);
    expect(await store.participation.findCompletionCode('BDHVS-K1AA-BBBB')).toMatchObject({ quizId: 'vneid', score: 12, userKey: null });
    expect(await store.participation.findCompletionCode('BDHVS-K2AA-BBBB')).toMatchObject({ userKey: 'k2' });
    const events: StoredEvent[] = [];
    for await (const e of store.participation.iterateEvents({})) events.push(e);
    expect(events.map((e) => [e.userKey, e.organisation, e.unit, e.score])).toEqual([[null, null, null, 12], ['k2', 'Công đoàn', 'Bình Lư', 12]]);
    expect(await store.participation.deletePersonalData({ userKey: 'k1', channel: 'web', userId: 'u1' })).toBe(0);
  });

  it('streams filtered events across pages, in order, without skipping or repeating', async () => {
    const base = Date.UTC(2026, 0, 1);
    for (let i = 0; i < 30; i++) {
      await store.participation.recordEvent({ at: new Date(base + i * 60_000), type: 'contact', channel: i % 3 === 0 ? 'zalo' : 'web', unit: i % 2 ? 'Mường Kim' : null });
    }
    const got: number[] = [];
    for await (const e of store.participation.iterateEvents({ channel: 'zalo', from: new Date(base + 60_000) }, 3)) got.push((e.at.getTime() - base) / 60_000);
    expect(got).toEqual([3, 6, 9, 12, 15, 18, 21, 24, 27]);
    const units: string[] = [];
    for await (const e of store.participation.iterateEvents({ unit: 'Mường Kim', to: new Date(base + 10 * 60_000) }, 2)) units.push(String(e.unit));
    expect(units).toHaveLength(5);
  });

  it('lists unanswered questions newest first, up to the limit', async () => {
    for (const [i, text] of ['giá vàng', 'giá lúa', 'thời tiết'].entries()) await store.participation.recordUnanswered('web', text, new Date(Date.UTC(2026, 0, 1 + i)), `k${i}`);
    expect((await store.participation.listUnanswered(2)).map((q) => q.text)).toEqual(['thời tiết', 'giá lúa']);
  });

  it('drops expired staff sessions when a new one is made', async () => {
    await store.staff.createStaffSession({ token: 'old', username: 'lan', expiresAt: new Date(Date.now() - 1000) });
    expect(await store.staff.getStaffSession('old')).toBeDefined();
    await store.staff.createStaffSession({ token: 'new', username: 'lan', expiresAt: new Date(Date.now() + 60_000) });
    expect(await store.staff.getStaffSession('old')).toBeUndefined();
    expect(await store.staff.getStaffSession('new')).toMatchObject({ username: 'lan' });
  });

  it('reads the injected clock as "now" for inbox leases', async () => {
    let now = Date.UTC(2026, 0, 1);
    const clocked = sqlStore(new SqliteDriver(':memory:', () => now));
    await clocked.migrate();
    await clocked.inbox.enqueueInbound({ channel: 'zalo', messageId: 'm1', userId: 'u1', event: '{}', receivedAt: new Date(now - 1) });
    expect(await clocked.inbox.attemptInbound('zalo', 'm1', 0, 1000)).toBe(true);
    now += 999;
    expect(await clocked.inbox.pendingInbound('zalo', undefined, 5)).toEqual([]);
    now += 1;
    expect((await clocked.inbox.pendingInbound('zalo', undefined, 5)).map((r) => r.messageId)).toEqual(['m1']);
    await clocked.close();
  });
});
