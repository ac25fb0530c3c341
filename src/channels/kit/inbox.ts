import type { ChannelName } from '../../core/messages.js';
import type { Logger } from '../../log.js';
import type { InboxStore } from '../../storage/ports.js';
import type { PendingInbound } from '../../storage/types.js';
import { describe } from './errors.js';
import type { ParsedMessage } from './types.js';

export interface InboxOptions {
  /** Processing attempts after which a message is given up. */
  maxAttempts: number;
  /** How long a row taken for handling stays with this process unrenewed; renewed every third of it while handled. */
  leaseMs: number;
  /** How often pending rows whose lease ran out are looked for. */
  sweepMs: number;
  /** The clock for receive times and sweep windows (tests move it by hand). */
  clock: () => number;
  /** Runs `fn` every `ms` until the returned function is called: the sweep and lease renewals (tests tick it with the clock). */
  every: (ms: number, fn: () => void) => () => void;
}

/** A real interval that never keeps the process alive. */
function every(ms: number, fn: () => void): () => void {
  const timer = setInterval(fn, ms);
  timer.unref();
  return () => clearInterval(timer);
}

export const DEFAULT_INBOX: InboxOptions = { maxAttempts: 5, leaseMs: 60_000, sweepMs: 30_000, clock: Date.now, every };

/** Rows one sweep looks at; the next sweep takes the rest. */
const SWEEP_PAGE = 500;

export type Accepted = 'stored' | 'duplicate' | 'ignored';

/** What the inbox reports for metrics: a sweep ran; rows were replayed or swept up; a row was given up. */
export type InboxEvent = 'sweep' | 'replayed' | 'swept' | 'given_up';

export interface InboxDeps<E> {
  channel: ChannelName;
  store: InboxStore;
  log: Logger;
  /** Reads a stored event; undefined when it is not a message for the bot. */
  parse: (event: E) => ParsedMessage | undefined;
  /** Answers the message; false when shutdown cut the replies short (the message then stays pending). */
  handle: (message: ParsedMessage, receivedAt: Date) => Promise<boolean>;
  /** Observes recoveries and give-ups (metrics). */
  observe?: (event: InboxEvent, count: number) => void;
  /** Runs one user's messages in order (the outbound queue), and tells when sending has stopped. */
  queue: { inOrder(key: string, task: () => Promise<void>): Promise<void>; readonly stopping: boolean; drain(): Promise<void> };
}

/**
 * A platform channel's durable inbox. `accept` stores an event before the webhook is acknowledged and then
 * handles it in the user's order; only then is the row marked done (also when a send gave up: that failure
 * is recorded by the outbound side). A row being handled is leased to this process (renewed while it runs),
 * so other instances on the same database leave it alone. `start` replays what earlier runs acknowledged but
 * did not finish, and a periodic sweep picks up rows whose lease ran out (an instance that died). Fresh,
 * replayed and swept events go through the same `parse`, so each is handled exactly like a fresh one.
 */
export class Inbox<E> {
  private readonly options: InboxOptions;
  /** Rows received before this point belong to earlier runs; later ones are this run's own. */
  private readonly createdAt: Date;
  private lastReceived = 0;
  /** Messages queued or being handled by this process: never taken twice. */
  private readonly running = new Set<string>();
  private openGate!: () => void;
  /** Fresh messages wait until the replay has queued the oldest pending ones, so each user's order holds. */
  private readonly gate = new Promise<void>((resolve) => (this.openGate = resolve));
  private replaying: Promise<void> = Promise.resolve();
  private stopSweeper?: () => void;
  private sweeping?: Promise<void>;
  private stopping = false;

  constructor(private deps: InboxDeps<E>, options: Partial<InboxOptions> = {}) {
    this.options = { ...DEFAULT_INBOX, ...options };
    this.createdAt = new Date(this.options.clock());
  }

  private get ids() {
    return { channel: this.deps.channel };
  }

  /** Stores the event, then handles it in the background. Throws when it cannot be stored: answer 5xx then. */
  async accept(event: E): Promise<Accepted> {
    // Strictly increasing per process, so a batch stored within one millisecond replays in arrival order.
    const receivedAt = new Date((this.lastReceived = Math.max(this.options.clock(), this.lastReceived + 1)));
    const message = this.deps.parse(event);
    if (!message) return 'ignored';
    const id = message.messageId;
    // Marked running before the row exists, so that a sweep never takes a fresh message from under its own run.
    let stored = false;
    if (!this.running.has(id)) {
      this.running.add(id);
      try {
        stored = await this.deps.store.enqueueInbound({ channel: this.deps.channel, messageId: id, userId: message.userId, event: JSON.stringify(event), receivedAt });
      } finally {
        if (!stored) this.running.delete(id);
      }
    }
    if (!stored) {
      this.deps.log.debug({ ...this.ids, messageId: id }, 'duplicate delivery dropped');
      return 'duplicate';
    }
    void this.gate.then(() => this.run(message, { attempts: 0, receivedAt }));
    return 'stored';
  }

  /** Queues the pending messages of earlier runs and starts the periodic sweep; resolves once the oldest are queued. */
  start(): Promise<void> {
    let queued!: () => void;
    const firstPage = new Promise<void>((resolve) => (queued = resolve));
    this.replaying = this.replay(queued)
      .catch((err: unknown) => this.deps.log.error({ ...this.ids, err: describe(err) }, 'replaying pending messages failed'))
      .finally(() => {
        queued();
        this.openGate();
      });
    this.stopSweeper = this.options.every(this.options.sweepMs, () => void this.sweep());
    return firstPage;
  }

  /** Stops replaying and sweeping, finishes (or past the drain timeout, abandons and leaves pending) what was queued. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.stopSweeper?.();
    await this.sweeping;
    await this.deps.queue.drain();
    await this.replaying;
  }

  private async replay(queued: () => void, pageSize = 500): Promise<void> {
    const tried = new Set<string>();
    let total = 0;
    while (!this.stopping) {
      const rows = (await this.deps.store.pendingInbound(this.deps.channel, this.createdAt, pageSize))
        .filter((r) => !tried.has(r.messageId) && !this.running.has(r.messageId));
      if (!rows.length) break;
      if (!total) this.deps.log.info({ ...this.ids, count: rows.length }, 'replaying acknowledged messages left pending by an earlier run');
      total += rows.length;
      this.deps.observe?.('replayed', rows.length);
      for (const row of rows) tried.add(row.messageId);
      const batch = this.dispatch(rows);
      // Beyond one page, fresh messages may overtake a user's older pending ones; a page is far more than a crash leaves.
      queued();
      this.openGate();
      await batch;
    }
  }

  /**
   * Queues the pending rows whose lease ran out, oldest first (so each user's messages stay in order). Only rows
   * received at least one lease ago: a fresh row that another instance has queued behind its user's earlier
   * message is not leased yet, and stays with that instance. Resolves once they are queued.
   */
  sweep(): Promise<void> {
    if (this.stopping || this.sweeping) return this.sweeping ?? Promise.resolve();
    const { store, log } = this.deps;
    this.sweeping = (async () => {
      const rows = (await store.pendingInbound(this.deps.channel, new Date(this.options.clock() - this.options.leaseMs), SWEEP_PAGE))
        .filter((r) => !this.running.has(r.messageId));
      log.debug({ ...this.ids, count: rows.length }, 'inbox swept');
      this.deps.observe?.('sweep', 1);
      if (!rows.length || this.stopping) return;
      log.info({ ...this.ids, count: rows.length }, 'picking up pending messages whose lease ran out');
      this.deps.observe?.('swept', rows.length);
      void this.dispatch(rows);
    })()
      .catch((err: unknown) => log.error({ ...this.ids, err: describe(err) }, 'sweeping pending messages failed'))
      .finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  /** Queues stored rows in their order (synchronously, so no row is queued twice); resolves when handled, never rejects. */
  private dispatch(rows: PendingInbound[]): Promise<unknown> {
    const batch: Promise<void>[] = [];
    for (const row of rows) {
      if (this.running.has(row.messageId)) continue;
      const message = this.rebuild(row);
      batch.push(message ? this.run(message, row) : this.deps.store.completeInbound(this.deps.channel, row.messageId).catch((err: unknown) => {
        this.deps.log.error({ ...this.ids, messageId: row.messageId, err: describe(err) }, 'could not mark a message done');
      }));
    }
    return Promise.all(batch);
  }

  private rebuild(row: PendingInbound): ParsedMessage | undefined {
    let message: ParsedMessage | undefined;
    try {
      message = this.deps.parse(JSON.parse(row.event) as E);
    } catch {
      message = undefined;
    }
    if (message && message.messageId === row.messageId && message.userId === row.userId) return message;
    this.deps.log.error({ ...this.ids, messageId: row.messageId }, 'stored event cannot be rebuilt into a message; marked done');
    return undefined;
  }

  private run(message: ParsedMessage, row: { attempts: number; receivedAt: Date }): Promise<void> {
    this.running.add(message.messageId);
    return this.deps.queue.inOrder(message.userId, () => this.take(message, row).finally(() => this.running.delete(message.messageId)));
  }

  private async take(message: ParsedMessage, row: { attempts: number; receivedAt: Date }): Promise<void> {
    const { store, log } = this.deps;
    const { channel } = this.deps;
    // Past the drain timeout nothing can be sent: leave the message pending for the next start.
    if (this.deps.queue.stopping) return;
    // Counted before the work, so a message that crashes the process is given up after a few restarts.
    if (!(await store.attemptInbound(channel, message.messageId, row.attempts, this.options.leaseMs))) return; // done, or taken by another run
    const attempts = row.attempts + 1;
    if (row.attempts >= this.options.maxAttempts) {
      log.error({ channel, messageId: message.messageId, attempts: row.attempts }, 'inbound message given up after repeated failed attempts');
      this.deps.observe?.('given_up', 1);
      await store.completeInbound(channel, message.messageId);
      return;
    }
    // A bug thrown from handle() keeps the lease: the sweep retries the message once it runs out.
    if (await this.leased(message.messageId, attempts, () => this.deps.handle(message, row.receivedAt))) {
      await store.completeInbound(channel, message.messageId);
    } else {
      // Cut short by shutdown: released, so the next start (or another instance) answers it without waiting.
      await store.renewInbound(channel, message.messageId, attempts, 0);
    }
  }

  /** Runs `work` on a row this process took, renewing the lease every third of it so that no other instance takes it over. */
  private async leased<T>(messageId: string, attempts: number, work: () => Promise<T>): Promise<T> {
    const { store, log, channel } = this.deps;
    const ids = { channel, messageId };
    let renewal: Promise<void> = Promise.resolve();
    const stopRenewing = this.options.every(Math.max(1, Math.floor(this.options.leaseMs / 3)), () => {
      renewal = store.renewInbound(channel, messageId, attempts, this.options.leaseMs).then(
        (held) => { if (!held) log.warn(ids, 'lease on a message being handled was lost'); },
        (err: unknown) => log.warn({ ...ids, err: describe(err) }, 'could not renew the lease on a message being handled'),
      );
    });
    try {
      return await work();
    } finally {
      stopRenewing();
      await renewal;
    }
  }
}
