import { setMaxListeners } from 'node:events';
import type { ChannelName } from '../../core/messages.js';
import type { Logger } from '../../log.js';
import type { SettingsStore } from '../../storage/ports.js';
import { deadline } from './deadline.js';
import { ABORTED_AT_SHUTDOWN, AbortedError, networkCode, SendError, describe } from './errors.js';

/**
 * A platform's sender: per-user ordering, a token bucket, retries with exponential backoff + jitter that
 * honour Retry-After, bounded attempts, and a record of the last failure for operators.
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
  /** Token bucket: sustained calls per second and burst size. */
  ratePerSecond: number;
  burst: number;
  /** How long stop() waits for acknowledged work before abandoning retries. */
  drainTimeoutMs: number;
  /** Observes each scheduled retry (tests check Retry-After handling without timing). */
  onRetry?: (info: { channel: ChannelName; method: string; attempt: number; delayMs: number; code?: string | number }) => void;
  /** Observes a queued task that failed (metrics). */
  onTaskError?: (channel: ChannelName) => void;
  /** Observes each call's outcome (metrics). */
  onOutcome?: (info: { channel: ChannelName; method: string; ok: boolean; error?: SendError }) => void;
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

export class Outbound {
  readonly options: OutboundOptions;
  private chains = new Map<string, Promise<void>>();
  private queued = 0;
  private bucket: TokenBucket;
  private abort = new AbortController();
  private failureWrites: Promise<void> = Promise.resolve();

  constructor(readonly channel: ChannelName, private settings: SettingsStore, private log: Logger, options: Partial<OutboundOptions> = {}) {
    this.options = { ...DEFAULT_OUTBOUND, ...options };
    this.bucket = new TokenBucket(this.options.ratePerSecond, this.options.burst);
    // Every call in flight listens for shutdown (and stops listening when done): many at once is no leak.
    setMaxListeners(0, this.abort.signal);
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
  /** Tasks queued or running (the outbox depth). */
  get pending(): number {
    return this.queued;
  }

  inOrder(key: string, task: () => Promise<void>): Promise<void> {
    this.queued++;
    const previous = this.chains.get(key) ?? Promise.resolve();
    const next = previous.then(task).catch((err: unknown) => {
      this.log.error({ channel: this.channel, err: describe(err) }, 'message processing failed');
      this.options.onTaskError?.(this.channel);
    });
    this.chains.set(key, next);
    void next.finally(() => {
      this.queued--;
      if (this.chains.get(key) === next) this.chains.delete(key);
    });
    return next;
  }

  /**
   * Calls the platform with rate limiting and retries. `fn` throws SendError to classify a failure; anything
   * else counts as a network error (retryable). After the last attempt the failure is logged and recorded,
   * and the error is rethrown for the caller to stop its batch.
   */
  async call<T>(method: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      let error: SendError;
      let limit: ReturnType<typeof deadline> | undefined;
      try {
        await this.bucket.take(this.abort.signal);
        limit = deadline(this.options.timeoutMs, this.abort.signal);
        const result = await fn(limit.signal);
        this.options.onOutcome?.({ channel: this.channel, method, ok: true });
        return result;
      } catch (e) {
        error = e instanceof AbortedError || this.abort.signal.aborted ? new SendError(ABORTED_AT_SHUTDOWN, false)
          : e instanceof SendError ? e : new SendError(networkCode(e), true);
      } finally {
        limit?.clear();
      }
      const delayMs = Math.max(0, error.retryAfterSeconds !== undefined ? this.seconds(error.retryAfterSeconds) : this.backoff(attempt));
      if (!error.retryable || attempt >= this.options.maxAttempts || delayMs > this.options.maxRetryAfterMs) {
        await this.giveUp(method, error, attempt);
        throw error;
      }
      this.options.onRetry?.({ channel: this.channel, method, attempt, delayMs, code: error.code });
      this.log.debug({ channel: this.channel, method, attempt, delayMs, code: error.code }, 'outbound call will be retried');
      try {
        await sleep(delayMs, this.abort.signal);
      } catch {
        const aborted = new SendError(ABORTED_AT_SHUTDOWN, false);
        await this.giveUp(method, aborted, attempt);
        throw aborted;
      }
    }
  }

  /** Exponential backoff with jitter: 50–100 % of base·2^(n-1), capped. */
  backoff(attempt: number): number {
    const { baseDelayMs, maxDelayMs } = this.options;
    const d = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
    return Math.round(d * (0.5 + Math.random() * 0.5));
  }

  private async giveUp(method: string, error: SendError, attempts: number): Promise<void> {
    this.options.onOutcome?.({ channel: this.channel, method, ok: false, error });
    // Ids and codes only: message text never goes to the log at info/warn.
    this.log.warn({ channel: this.channel, method, attempts, code: error.code }, 'outbound call failed, giving up');
    const key = `outbound.failures.${this.channel}`;
    const write = this.failureWrites.then(async () => {
      const prev = safeParse(await this.settings.getSetting(key)) as { count?: number } | undefined;
      await this.settings.setSetting(key, JSON.stringify({
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
