import crypto from 'node:crypto';
import type { Engine } from '../core/engine.js';
import type { ChannelName, Inbound, Reply } from '../core/messages.js';
import type { Logger } from '../log.js';
import type { PendingInbound, Storage } from '../storage/types.js';

/**
 * Shared outbound machinery for the platform channels: per-user ordering, a token bucket per platform,
 * retries with exponential backoff + jitter that honour Retry-After, bounded attempts and failure records.
 */

export interface OutboundOptions {
  /** Attempts per call, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A platform asking us to wait longer than this is treated as a give-up, so one user's queue never stalls for hours. */
  maxRetryAfterMs: number;
  /** Milliseconds per second of a Retry-After value (tests shrink it instead of sleeping real seconds). */
  retryAfterUnitMs: number;
  /** Per-request timeout. */
  timeoutMs: number;
  /** Token bucket: sustained calls per second and burst size, per platform. */
  ratePerSecond: number;
  burst: number;
  /** How long stop() waits for acknowledged work before abandoning retries. */
  drainTimeoutMs: number;
  /** Observes each scheduled retry (tests check Retry-After handling without timing). */
  onRetry?: (info: { channel: ChannelName; method: string; attempt: number; delayMs: number; code?: string | number }) => void;
}

export const DEFAULT_OUTBOUND: OutboundOptions = {
  maxAttempts: 5,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 120_000,
  retryAfterUnitMs: 1000,
  timeoutMs: 10_000,
  ratePerSecond: 20,
  burst: 20,
  drainTimeoutMs: 10_000,
};

/** A failed platform call, classified by the channel that made it. */
export class SendError extends Error {
  constructor(
    readonly code: string | number,
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
  ) {
    super(`send failed: ${code}`);
  }
}

/** Thrown when the call was abandoned because the channel is stopping. */
class AbortedError extends Error {
  constructor() {
    super('aborted');
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new AbortedError());
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortedError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Retry-After header: delta-seconds (scaled by `unitMs`) or an HTTP date. */
export function parseRetryAfter(value: unknown, unitMs: number): number | undefined {
  if (typeof value !== 'string' || !value.trim()) return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * unitMs);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** Compares secrets in constant time, whatever their lengths. */
export function safeEqual(a: string, b: string): boolean {
  const ha = crypto.createHash('sha256').update(a).digest();
  const hb = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(ha, hb) && a.length === b.length;
}

/** Parses a raw webhook body; undefined when it is not a JSON object. */
export function parseJsonBody(body: unknown): Record<string, unknown> | undefined {
  const buf = Buffer.isBuffer(body) ? body : Buffer.alloc(0);
  try {
    const v: unknown = JSON.parse(buf.toString('utf8'));
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export function rawBuffer(body: unknown): Buffer {
  return Buffer.isBuffer(body) ? body : Buffer.alloc(0);
}

export class TokenBucket {
  private tokens: number;
  private last = Date.now();

  constructor(private rate: number, private capacity: number) {
    this.tokens = capacity;
  }

  async take(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const now = Date.now();
      this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.rate);
      this.last = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await sleep(Math.ceil(((1 - this.tokens) / this.rate) * 1000), signal);
    }
  }
}

/** One platform's sender: ordering per user, rate limit, retries, failure records. */
export class Outbound {
  readonly options: OutboundOptions;
  readonly stats = { sent: 0, retried: 0, failed: 0 };
  private chains = new Map<string, Promise<void>>();
  private bucket: TokenBucket;
  private abort = new AbortController();
  private failureWrites: Promise<void> = Promise.resolve();

  constructor(readonly channel: ChannelName, private storage: Storage, private log: Logger, options: Partial<OutboundOptions> = {}) {
    this.options = { ...DEFAULT_OUTBOUND, ...options };
    this.bucket = new TokenBucket(this.options.ratePerSecond, this.options.burst);
  }

  /** Milliseconds for a platform's "retry after N seconds". */
  seconds(n: number): number {
    return Math.round(n * this.options.retryAfterUnitMs);
  }

  /** True once stop() gave up waiting: calls fail at once. */
  get stopping(): boolean {
    return this.abort.signal.aborted;
  }

  /** Runs `task` after every earlier task of the same key (one user); never rejects. */
  inOrder(key: string, task: () => Promise<void>): Promise<void> {
    const previous = this.chains.get(key) ?? Promise.resolve();
    const next = previous.then(task).catch((err: unknown) => {
      this.log.error({ channel: this.channel, err: describe(err) }, 'message processing failed');
    });
    this.chains.set(key, next);
    void next.finally(() => {
      if (this.chains.get(key) === next) this.chains.delete(key);
    });
    return next;
  }

  /**
   * Calls the platform with rate limiting and retries. `fn` throws SendError to classify a failure;
   * anything else counts as a network error (retryable). After the last attempt the failure is logged
   * and recorded, and the error is rethrown for the caller to stop its batch.
   */
  async call<T>(method: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const o = this.options;
    for (let attempt = 1; ; attempt++) {
      let error: SendError;
      try {
        await this.bucket.take(this.abort.signal);
        const signal = AbortSignal.any([AbortSignal.timeout(o.timeoutMs), this.abort.signal]);
        const result = await fn(signal);
        this.stats.sent++;
        return result;
      } catch (e) {
        if (e instanceof AbortedError || this.abort.signal.aborted) {
          error = new SendError('aborted_at_shutdown', false);
        } else {
          error = e instanceof SendError ? e : new SendError(networkCode(e), true);
        }
      }
      let delayMs = error.retryAfterMs ?? this.backoff(attempt);
      if (!error.retryable || attempt >= o.maxAttempts || delayMs > o.maxRetryAfterMs) {
        await this.recordFailure(method, error, attempt);
        throw error;
      }
      delayMs = Math.max(0, delayMs);
      this.stats.retried++;
      o.onRetry?.({ channel: this.channel, method, attempt, delayMs, code: error.code });
      this.log.debug({ channel: this.channel, method, attempt, delayMs, code: error.code }, 'outbound call will be retried');
      try {
        await sleep(delayMs, this.abort.signal);
      } catch {
        const aborted = new SendError('aborted_at_shutdown', false);
        await this.recordFailure(method, aborted, attempt);
        throw aborted;
      }
    }
  }

  /** Exponential backoff with jitter: 50–100 % of base·2^(n-1), capped. */
  private backoff(attempt: number): number {
    const { baseDelayMs, maxDelayMs } = this.options;
    const d = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
    return Math.round(d * (0.5 + Math.random() * 0.5));
  }

  private async recordFailure(method: string, error: SendError, attempts: number): Promise<void> {
    this.stats.failed++;
    // Ids and codes only: message text never goes to the log at info/warn.
    this.log.warn({ channel: this.channel, method, attempts, code: error.code, failures: this.stats.failed }, 'outbound call failed, giving up');
    const key = `outbound.failures.${this.channel}`;
    const write = this.failureWrites.then(async () => {
      const prev = safeParse(await this.storage.getSetting(key)) as { count?: number } | undefined;
      await this.storage.setSetting(key, JSON.stringify({
        count: (prev?.count ?? 0) + 1, lastAt: new Date().toISOString(), lastMethod: method, lastCode: String(error.code),
      }));
    }).catch(() => undefined);
    this.failureWrites = write;
    await write;
  }

  /** Waits for acknowledged work; after the timeout, pending retries are abandoned. */
  async drain(): Promise<void> {
    const timer = setTimeout(() => this.abort.abort(), this.options.drainTimeoutMs);
    timer.unref();
    try {
      while (this.chains.size) await Promise.allSettled([...this.chains.values()]);
      await this.failureWrites;
    } finally {
      clearTimeout(timer);
    }
  }
}

function safeParse(s: string | undefined): unknown {
  if (!s) return undefined;
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}

function networkCode(e: unknown): string {
  const x = e as { code?: unknown; name?: unknown };
  if (typeof x?.code === 'string') return x.code;
  if (typeof x?.name === 'string') return x.name;
  return 'network_error';
}

/** A loggable summary of an error without request bodies, URLs or headers (they hold tokens and text). */
export function describe(err: unknown): { name?: string; code?: unknown; message?: string } {
  if (err instanceof SendError) return { name: 'SendError', code: err.code };
  if (err instanceof Error) return { name: err.name, code: (err as { code?: unknown }).code, message: err.message.slice(0, 200) };
  return { message: String(err).slice(0, 200) };
}

const SORRY = 'Xin lỗi, tôi đang gặp sự cố nên chưa trả lời được. Bạn vui lòng thử lại sau ít phút.';

/** Processing attempts after which a message that never completes (one that crashes the process, say) is given up. */
export const MAX_INBOUND_ATTEMPTS = 5;

export interface InboxOptions {
  /** Processing attempts after which a message is given up (default MAX_INBOUND_ATTEMPTS). */
  maxAttempts?: number;
  /** How long a row taken for handling stays with this process unrenewed; renewed every third of it while handled (default 60 s). */
  leaseMs?: number;
  /** How often pending rows whose lease ran out are looked for (default 30 s). */
  sweepMs?: number;
}

export const DEFAULT_INBOX = { maxAttempts: MAX_INBOUND_ATTEMPTS, leaseMs: 60_000, sweepMs: 30_000 } satisfies Required<InboxOptions>;

/** Rows one sweep looks at; the next sweep takes the rest. */
const SWEEP_PAGE = 500;

export interface TurnJob {
  userId: string;
  /** The platform's message/update id: the inbox key, so a second delivery with the same id is dropped. */
  messageId: string;
  /** Builds the inbound message when its turn comes (so button memory is read in order). */
  inbound: () => Omit<Inbound, 'channel' | 'userId' | 'messageId' | 'receivedAt'>;
  /** Runs when the message's turn comes, before the engine (e.g. answering a Telegram callback query). */
  onClaimed?: () => Promise<void>;
  /** Sends the replies; throws (SendError) when a call gave up. */
  deliver: (replies: Reply[]) => Promise<void>;
}

/** What `Inbox.accept` did with an event: stored (the webhook may acknowledge it), a redelivery, or not a message. */
export type Accepted = 'stored' | 'duplicate' | 'ignored';

/**
 * A platform channel's durable inbox. `accept` stores an event before the webhook is acknowledged and then
 * handles it in the user's order: engine, replies, and only then the row is marked done (also when a send
 * gave up: that failure is recorded by Outbound). A row being handled is leased to this process (renewed
 * while it runs), so other instances on the same database leave it alone. `start` replays what earlier runs
 * acknowledged but did not finish (a crash, a kill, a stop past its drain timeout), and a periodic sweep picks
 * up rows whose lease ran out while this process runs (an instance that died, a storage error mid-way).
 * Fresh, replayed and swept events go through the same `toJob`, so each is handled exactly like a fresh one.
 */
export class Inbox<E> {
  /** Rows received before this point belong to earlier runs; later ones are this run's own. */
  private readonly createdAt = new Date();
  private lastReceived = 0;
  /** Messages queued or being handled by this process: never taken twice. */
  private readonly running = new Set<string>();
  private openGate!: () => void;
  /** Fresh messages wait until the replay has queued the oldest pending ones, so each user's order holds. */
  private readonly gate = new Promise<void>((resolve) => (this.openGate = resolve));
  private replaying: Promise<void> = Promise.resolve();
  private sweeper?: NodeJS.Timeout;
  private sweeping?: Promise<void>;
  private stopping = false;
  private readonly options: Required<InboxOptions>;

  constructor(
    private deps: { outbound: Outbound; storage: Storage; engine: Engine; log: Logger },
    /** Rebuilds the job from the platform event; undefined when the event is not a message for the bot. */
    private toJob: (event: E, receivedAt: Date) => TurnJob | undefined,
    options: InboxOptions = {},
  ) {
    this.options = { ...DEFAULT_INBOX, ...options };
  }

  private get channel(): ChannelName {
    return this.deps.outbound.channel;
  }

  /** Stores the event, then handles it in the background. Throws when it cannot be stored: answer 500 then. */
  async accept(event: E): Promise<Accepted> {
    // Strictly increasing per process, so a batch stored within one millisecond replays in arrival order.
    const receivedAt = new Date((this.lastReceived = Math.max(Date.now(), this.lastReceived + 1)));
    const job = this.toJob(event, receivedAt);
    if (!job) return 'ignored';
    const { storage, log } = this.deps;
    const id = job.messageId;
    // Marked running before the row exists, so that a sweep never takes a fresh message from under its own run.
    let stored = false;
    if (!this.running.has(id)) {
      this.running.add(id);
      try {
        stored = await storage.enqueueInbound({ channel: this.channel, messageId: id, userId: job.userId, event: JSON.stringify(event), receivedAt });
      } finally {
        if (!stored) this.running.delete(id);
      }
    }
    if (!stored) {
      log.debug({ channel: this.channel, messageId: id }, 'duplicate delivery dropped');
      return 'duplicate';
    }
    void this.gate.then(() => this.run(job, { attempts: 0, receivedAt }));
    return 'stored';
  }

  /**
   * Queues the pending messages of earlier runs and starts the periodic sweep; resolves once the oldest are
   * queued (they are handled in the background).
   */
  start(): Promise<void> {
    let queued!: () => void;
    const firstPage = new Promise<void>((resolve) => (queued = resolve));
    this.replaying = this.replay(queued)
      .catch((err: unknown) => this.deps.log.error({ channel: this.channel, err: describe(err) }, 'replaying pending messages failed'))
      .finally(() => {
        queued();
        this.openGate();
      });
    this.sweeper = setInterval(() => this.sweep(), this.options.sweepMs);
    this.sweeper.unref();
    return firstPage;
  }

  /** Stops replaying and sweeping, finishes (or past the drain timeout, abandons and leaves pending) what was queued. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.sweeper);
    await this.sweeping;
    await this.deps.outbound.drain();
    await this.replaying;
  }

  private async replay(queued: () => void, pageSize = 500): Promise<void> {
    const { storage, log } = this.deps;
    const tried = new Set<string>();
    let total = 0;
    while (!this.stopping) {
      const rows = (await storage.pendingInbound(this.channel, this.createdAt, pageSize))
        .filter((r) => !tried.has(r.messageId) && !this.running.has(r.messageId));
      if (!rows.length) break;
      if (!total) log.info({ channel: this.channel, count: rows.length }, 'replaying acknowledged messages left pending by an earlier run');
      total += rows.length;
      for (const row of rows) tried.add(row.messageId);
      const batch = this.dispatch(rows);
      // Beyond one page, fresh messages may overtake a user's older pending ones; a page is far more than a crash leaves.
      queued();
      this.openGate();
      await batch;
    }
  }

  /**
   * Queues the pending rows whose lease ran out, oldest first (so each user's messages stay in order). Only rows received
   * at least one lease ago: a fresh row that another instance has queued behind its user's earlier message is
   * not leased yet, and stays with that instance.
   */
  private sweep(): void {
    if (this.stopping || this.sweeping) return;
    const { storage, log } = this.deps;
    this.sweeping = (async () => {
      const rows = (await storage.pendingInbound(this.channel, new Date(Date.now() - this.options.leaseMs), SWEEP_PAGE))
        .filter((r) => !this.running.has(r.messageId));
      log.debug({ channel: this.channel, count: rows.length }, 'inbox swept');
      if (!rows.length || this.stopping) return;
      log.info({ channel: this.channel, count: rows.length }, 'picking up pending messages whose lease ran out');
      void this.dispatch(rows);
    })()
      .catch((err: unknown) => log.error({ channel: this.channel, err: describe(err) }, 'sweeping pending messages failed'))
      .finally(() => (this.sweeping = undefined));
  }

  /** Queues stored rows in their order (synchronously, so no row is queued twice); resolves when they were handled, never rejects. */
  private dispatch(rows: PendingInbound[]): Promise<unknown> {
    const batch: Promise<void>[] = [];
    for (const row of rows) {
      if (this.running.has(row.messageId)) continue;
      const job = this.rebuild(row);
      batch.push(job ? this.run(job, row) : this.deps.storage.completeInbound(this.channel, row.messageId).catch((err: unknown) => {
        this.deps.log.error({ channel: this.channel, messageId: row.messageId, err: describe(err) }, 'could not mark a message done');
      }));
    }
    return Promise.all(batch);
  }

  private rebuild(row: PendingInbound): TurnJob | undefined {
    let job: TurnJob | undefined;
    try {
      job = this.toJob(JSON.parse(row.event) as E, row.receivedAt);
    } catch {
      job = undefined;
    }
    if (job && job.messageId === row.messageId && job.userId === row.userId) return job;
    this.deps.log.error({ channel: this.channel, messageId: row.messageId }, 'stored event cannot be rebuilt into a message; marked done');
    return undefined;
  }

  private run(job: TurnJob, row: { attempts: number; receivedAt: Date }): Promise<void> {
    this.running.add(job.messageId);
    return this.deps.outbound.inOrder(job.userId, () => this.handle(job, row).finally(() => this.running.delete(job.messageId)));
  }

  private async handle(job: TurnJob, row: { attempts: number; receivedAt: Date }): Promise<void> {
    const { outbound, storage, log } = this.deps;
    const channel = this.channel;
    // Past the drain timeout nothing can be sent: leave the message pending for the next start.
    if (outbound.stopping) return;
    // Counted before the work, so a message that crashes the process is given up after a few restarts.
    if (!(await storage.attemptInbound(channel, job.messageId, row.attempts, this.options.leaseMs))) return; // done, or taken by another run
    const attempts = row.attempts + 1;
    if (row.attempts >= this.options.maxAttempts) {
      log.error({ channel, messageId: job.messageId, attempts: row.attempts }, 'inbound message given up after repeated failed attempts');
      await storage.completeInbound(channel, job.messageId);
      return;
    }
    // A bug thrown from answer() keeps the lease: the sweep retries the message once it runs out.
    if (await this.leased(job.messageId, attempts, () => this.answer(job, row))) {
      await storage.completeInbound(channel, job.messageId);
    } else {
      // Cut short by shutdown: released, so the next start (or another instance) answers it without waiting.
      await storage.renewInbound(channel, job.messageId, attempts, 0);
    }
  }

  /** Runs `work` on a row this process took, renewing the lease every third of it so that no other instance takes the row over. */
  private async leased<T>(messageId: string, attempts: number, work: () => Promise<T>): Promise<T> {
    const { storage, log } = this.deps;
    const ids = { channel: this.channel, messageId };
    let renewal: Promise<void> = Promise.resolve();
    const timer = setInterval(() => {
      renewal = storage.renewInbound(this.channel, messageId, attempts, this.options.leaseMs).then(
        (held) => {
          if (!held) log.warn(ids, 'lease on a message being handled was lost');
        },
        (err: unknown) => log.warn({ ...ids, err: describe(err) }, 'could not renew the lease on a message being handled'),
      );
    }, Math.max(1, Math.floor(this.options.leaseMs / 3)));
    timer.unref();
    try {
      return await work();
    } finally {
      clearInterval(timer);
      await renewal;
    }
  }

  /** Engine and replies; false when the replies were cut short by shutdown (the message stays pending). */
  private async answer(job: TurnJob, row: { receivedAt: Date }): Promise<boolean> {
    const { engine, log } = this.deps;
    const channel = this.channel;
    const ids = { channel, messageId: job.messageId };
    await job.onClaimed?.().catch(() => undefined);
    let replies: Reply[];
    try {
      replies = await engine.handle({ ...job.inbound(), channel, userId: job.userId, messageId: job.messageId, receivedAt: row.receivedAt });
    } catch (err) {
      log.error({ ...ids, err: describe(err) }, 'engine failed on a message');
      replies = [{ text: SORRY }];
    }
    if (replies.length) {
      try {
        await job.deliver(replies);
      } catch (err) {
        if (!(err instanceof SendError)) throw err; // a bug, not a platform answer: left pending, retried once the lease runs out
        if (err.code === 'aborted_at_shutdown') {
          log.warn(ids, 'reply cut short by shutdown; the message stays pending for the next start');
          return false;
        }
        // The platform call gave up after its retries (logged and recorded): the message was handled.
      }
    }
    return true;
  }
}
