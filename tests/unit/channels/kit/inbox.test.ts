import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Inbox, type InboxEvent, type InboxOptions } from '../../../../src/channels/kit/inbox.js';
import { Outbound } from '../../../../src/channels/kit/outbound.js';
import type { ParsedMessage } from '../../../../src/channels/kit/types.js';
import { SqliteDriver } from '../../../../src/storage/sql/sqlite-driver.js';
import { sqlStore } from '../../../../src/storage/sql/store.js';
import type { Store } from '../../../../src/storage/ports.js';
import { deferred, flush, ManualClock, MemorySettings, silentLog } from '../../../helpers/fakes.js';

// The durable inbox over a real SQLite store whose "now" is the same hand-moved clock: leases end because
// the test moves time, never because it waits.

interface Ev { id: string; user: string; text?: string }
const ev = (id: string, user = 'u1'): Ev => ({ id, user, text: `tin ${id}` });
const parse = (e: Ev): ParsedMessage | undefined => (e.user ? { userId: e.user, messageId: e.id, input: { text: e.text } } : undefined);

const LEASE = 60_000;
const SWEEP = 30_000;
let clock: ManualClock;
let driver: SqliteDriver;
let store: Store;
const started: Inbox<Ev>[] = [];
/** Handlers a test holds unfinished, released before stopping (also when the test failed). */
const held: ReturnType<typeof deferred<boolean>>[] = [];
const hold = () => {
  const d = deferred<boolean>();
  held.push(d);
  return d;
};

beforeEach(async () => {
  clock = new ManualClock();
  driver = new SqliteDriver(':memory:', clock.now);
  store = sqlStore(driver);
  await store.migrate();
});

afterEach(async () => {
  for (const d of held.splice(0)) d.resolve(true);
  for (const ib of started.splice(0)) await ib.stop();
  await store.close();
});

type Handle = (m: ParsedMessage, at: Date) => Promise<boolean>;

/** One process's inbox on the shared store; `handled` lists what its handler was given, in order. */
function instance(handle: Handle = async () => true, options: Partial<InboxOptions> = {}) {
  const queue = new Outbound('telegram', new MemorySettings(), silentLog);
  const observed: [InboxEvent, number][] = [];
  const handled: string[] = [];
  const inbox = new Inbox<Ev>({
    channel: 'telegram', store: store.inbox, log: silentLog, parse, queue,
    handle: (m, at) => {
      handled.push(m.messageId);
      return handle(m, at);
    },
    observe: (e, n) => void observed.push([e, n]),
  }, { clock: clock.now, every: clock.every, leaseMs: LEASE, sweepMs: SWEEP, maxAttempts: 3, ...options });
  started.push(inbox);
  /** Waits until everything queued so far was handled. */
  const settled = async () => {
    await flush();
    await queue.drain();
  };
  const count = (what: InboxEvent) => observed.filter(([e]) => e === what).reduce((n, [, c]) => n + c, 0);
  return { inbox, handled, settled, count };
}

async function row(messageId: string) {
  const [r] = await driver.query<{ status: string; attempts: number; leased_until: number; event: string; user_id: string }>(
    'SELECT status, attempts, leased_until, event, user_id FROM inbox WHERE message_id = ?', [messageId]);
  return r!;
}

/** A row as an earlier run left it: stored and acknowledged, never handled. */
async function stage(e: Ev, msAgo: number, event = JSON.stringify(e)) {
  await store.inbox.enqueueInbound({ channel: 'telegram', messageId: e.id, userId: e.user, event, receivedAt: new Date(clock.now() - msAgo) });
}

describe('Inbox', () => {
  it('stores an event, handles it once and marks it done; drops a redelivery and what is not a message', async () => {
    const a = instance();
    await a.inbox.start();
    expect(await a.inbox.accept(ev('m1'))).toBe('stored');
    expect(await a.inbox.accept(ev('m1'))).toBe('duplicate');
    expect(await a.inbox.accept({ id: 'typing', user: '' })).toBe('ignored');
    await a.settled();
    expect(a.handled).toEqual(['m1']);
    // Done rows keep only their id (to recognise a redelivery), not the event or the user.
    expect(await row('m1')).toMatchObject({ status: 'done', attempts: 1, event: '', user_id: '' });
    expect(await a.inbox.accept(ev('m1'))).toBe('duplicate');
    // Also for another process on the same database (a restart).
    const b = instance();
    await b.inbox.start();
    expect(await b.inbox.accept(ev('m1'))).toBe('duplicate');
    await b.settled();
    expect([...a.handled, ...b.handled]).toEqual(['m1']);
  });

  it('keeps a row with the process handling it while it renews the lease: no other process takes it', async () => {
    const slow = hold();
    const a = instance(() => slow.promise);
    const b = instance();
    await a.inbox.start();
    await b.inbox.start();
    await a.inbox.accept(ev('m1'));
    await flush();
    expect(a.handled).toEqual(['m1']);
    // Two and a half leases pass; the holder renews every third of one, the other sweeps every half.
    await clock.advance(2.5 * LEASE);
    expect(b.count('sweep')).toBe(5);
    expect(b.handled).toEqual([]);
    expect((await row('m1')).leased_until).toBeGreaterThan(clock.now());
    slow.resolve(true);
    await a.settled();
    expect(await row('m1')).toMatchObject({ status: 'done', attempts: 1 });
    expect(b.handled).toEqual([]);
  });

  it('leaves a taken row invisible until its lease ends; the sweep picks it up after (its holder died)', async () => {
    // The holder never renews and never finishes: a process that died mid-way.
    const hung = hold();
    const dead = instance(() => hung.promise, { every: () => () => undefined });
    const b = instance();
    await dead.inbox.start();
    await b.inbox.start();
    await dead.inbox.accept(ev('m1'));
    await flush();
    expect(await row('m1')).toMatchObject({ status: 'pending', attempts: 1, leased_until: clock.now() + LEASE });
    await clock.advance(LEASE - 1);
    await b.inbox.sweep();
    await b.settled();
    expect(b.handled).toEqual([]);
    await clock.advance(2);
    await b.inbox.sweep();
    await b.settled();
    expect(b.handled).toEqual(['m1']);
    expect(b.count('swept')).toBe(1);
    expect(await row('m1')).toMatchObject({ status: 'done', attempts: 2 });
  });

  it('leaves a fresh row alone for one lease: another process may have queued it behind its user\'s earlier message', async () => {
    const b = instance();
    await b.inbox.start();
    await stage(ev('m1'), 0);
    await b.inbox.sweep();
    await b.settled();
    expect(b.handled).toEqual([]);
    await clock.advance(LEASE + 1);
    await b.inbox.sweep();
    await b.settled();
    expect(b.handled).toEqual(['m1']);
  });

  it('replays on start what earlier runs left pending, oldest first, each user\'s messages before their fresh ones', async () => {
    await stage(ev('a1', 'u1'), 5000);
    await stage(ev('b1', 'u2'), 4000);
    await stage(ev('a2', 'u1'), 3000);
    await stage(ev('a3', 'u1'), 2000);
    const a = instance();
    const starting = a.inbox.start();
    // A fresh message arriving while the replay starts still comes after the user's older ones.
    const fresh = a.inbox.accept(ev('a4', 'u1'));
    await starting;
    expect(await fresh).toBe('stored');
    await a.settled();
    expect(a.handled).toEqual(['a1', 'b1', 'a2', 'a3', 'a4']);
    expect(a.count('replayed')).toBe(4);
    for (const id of ['a1', 'a2', 'a3', 'a4', 'b1']) expect((await row(id)).status).toBe('done');
  });

  it('retries a message whose handling fails once its lease ran out, and gives it up after maxAttempts', async () => {
    const a = instance(async () => {
      throw new Error('bug');
    });
    await a.inbox.start();
    await a.inbox.accept(ev('m1'));
    await a.settled();
    expect(a.handled).toEqual(['m1']);
    expect(await row('m1')).toMatchObject({ status: 'pending', attempts: 1 });
    // Sweeps every 30 s; each failed attempt keeps the row for a lease.
    await clock.advance(5 * LEASE);
    await a.settled();
    expect(a.handled).toEqual(['m1', 'm1', 'm1']);
    expect(a.count('given_up')).toBe(1);
    expect((await row('m1')).status).toBe('done');
  });

  it('a reply cut short by shutdown releases the row, so the next start answers it without waiting for the lease', async () => {
    const a = instance(async () => false);
    await a.inbox.start();
    await a.inbox.accept(ev('m1'));
    await a.settled();
    expect(await row('m1')).toMatchObject({ status: 'pending', attempts: 1, leased_until: clock.now() });
    await a.inbox.stop();
    await clock.advance(1000); // the restart
    const next = instance();
    await next.inbox.start();
    await next.settled();
    expect(next.handled).toEqual(['m1']);
    expect(await row('m1')).toMatchObject({ status: 'done', attempts: 2 });
  });

  it('marks done, without handling, a stored event that cannot be read back', async () => {
    await stage(ev('bad'), 1000, '{not json');
    await stage(ev('other'), 900, JSON.stringify(ev('someone-else')));
    const a = instance();
    await a.inbox.start();
    await a.settled();
    expect(a.handled).toEqual([]);
    expect((await row('bad')).status).toBe('done');
    expect((await row('other')).status).toBe('done');
  });

  it('stops sweeping when stopped', async () => {
    const a = instance();
    await a.inbox.start();
    await clock.advance(SWEEP);
    expect(a.count('sweep')).toBe(1);
    await a.inbox.stop();
    expect(clock.running).toBe(0);
    await clock.advance(3 * SWEEP);
    expect(a.count('sweep')).toBe(1);
  });
});
