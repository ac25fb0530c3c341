import type { Redis } from 'ioredis';

/**
 * Fixed-window counters. `hit` counts one request before it is served (so requests in flight count) and
 * answers 0 when it is within `limit`, else the milliseconds until the window resets.
 */
export interface RateLimiter {
  hit(key: string, limit: number, windowMs: number): Promise<number>;
  /** Takes back one hit that turned out not to matter (a right password, a valid token). */
  release(key: string): Promise<void>;
  /** Forgets the key's count. */
  reset(key: string): Promise<void>;
}

interface Window { count: number; resetAt: number }

/** Keys in the order their windows were opened, per window length: for one length, that is the order they end in. */
class ExpiryQueue {
  keys: string[] = [];
  ends: number[] = [];
  head = 0;

  push(key: string, end: number): void {
    this.keys.push(key);
    this.ends.push(end);
  }

  get next(): number | undefined {
    return this.head < this.ends.length ? this.ends[this.head] : undefined;
  }

  shift(): [string, number] {
    const item: [string, number] = [this.keys[this.head]!, this.ends[this.head]!];
    this.head++;
    // Drop the consumed front now and then, so the arrays do not grow forever.
    if (this.head > 4096 && this.head * 2 > this.keys.length) {
      this.keys = this.keys.slice(this.head);
      this.ends = this.ends.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}

/**
 * One process's counters. Each request costs O(1): ended windows are dropped from the front of a queue per
 * window length (no scan of every key), and an entry is created only by a request that is counted, so a
 * refused flood adds nothing. Past `maxEntries` the windows closest to their end are dropped first.
 */
export class MemoryRateLimiter implements RateLimiter {
  private windows = new Map<string, Window>();
  private queues = new Map<number, ExpiryQueue>();

  constructor(private maxEntries = 500_000, private clock: () => number = Date.now) {}

  get size(): number {
    return this.windows.size;
  }

  async hit(key: string, limit: number, windowMs: number): Promise<number> {
    const now = this.clock();
    this.expire(now);
    let w = this.windows.get(key);
    if (!w) {
      if (this.windows.size >= this.maxEntries) this.evictOne();
      w = { count: 0, resetAt: now + windowMs };
      this.windows.set(key, w);
      let q = this.queues.get(windowMs);
      if (!q) this.queues.set(windowMs, (q = new ExpiryQueue()));
      q.push(key, w.resetAt);
    }
    w.count++;
    return w.count > limit ? w.resetAt - now : 0;
  }

  async release(key: string): Promise<void> {
    const w = this.windows.get(key);
    if (w && w.count > 0) w.count--;
  }

  async reset(key: string): Promise<void> {
    this.windows.delete(key);
  }

  private expire(now: number): void {
    for (const q of this.queues.values()) {
      while (q.next !== undefined && q.next <= now) this.drop(...q.shift());
    }
  }

  /** The entry whose window ends first goes. */
  private evictOne(): void {
    while (this.windows.size >= this.maxEntries) {
      let first: ExpiryQueue | undefined;
      for (const q of this.queues.values()) if (q.next !== undefined && (!first || q.next < first.next!)) first = q;
      if (!first) return;
      this.drop(...first.shift());
    }
  }

  /** A queue item is stale when its key was reset and opened a new window since. */
  private drop(key: string, end: number): void {
    if (this.windows.get(key)?.resetAt === end) this.windows.delete(key);
  }
}

// Count and expiry in one step, so that a crash between them cannot leave a counter without an end.
const HIT = `local c = redis.call('incr', KEYS[1])
if c == 1 then redis.call('pexpire', KEYS[1], ARGV[1]) end
local t = redis.call('pttl', KEYS[1])
if t < 0 then redis.call('pexpire', KEYS[1], ARGV[1]); t = tonumber(ARGV[1]) end
return {c, t}`;
const RELEASE = `local c = tonumber(redis.call('get', KEYS[1]) or '0')
if c > 0 then redis.call('decr', KEYS[1]) end
return c`;

/** Shared across instances (REDIS_URL). */
export class RedisRateLimiter implements RateLimiter {
  constructor(private redis: Redis) {}

  async hit(key: string, limit: number, windowMs: number): Promise<number> {
    const [count, ttl] = (await this.redis.eval(HIT, 1, this.k(key), windowMs)) as [number, number];
    return count > limit ? Math.max(1, ttl) : 0;
  }

  async release(key: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.k(key));
  }

  async reset(key: string): Promise<void> {
    await this.redis.del(this.k(key));
  }

  private k(key: string): string {
    return `bdhvs:rate:${key}`;
  }
}
