import type { Redis } from 'ioredis';

/** Fixed-window counters; `hit` answers 0 when allowed, else the milliseconds until the window resets. */
export interface RateLimiter {
  hit(key: string, limit: number, windowMs: number): Promise<number>;
}

export class MemoryRateLimiter implements RateLimiter {
  private windows = new Map<string, { count: number; resetAt: number }>();

  async hit(key: string, limit: number, windowMs: number): Promise<number> {
    const now = Date.now();
    if (this.windows.size > 50_000) for (const [k, w] of this.windows) if (w.resetAt <= now) this.windows.delete(k);
    let w = this.windows.get(key);
    if (!w || w.resetAt <= now) {
      w = { count: 0, resetAt: now + windowMs };
      this.windows.set(key, w);
    }
    w.count++;
    return w.count > limit ? w.resetAt - now : 0;
  }
}

/** Shared across instances (REDIS_URL). */
export class RedisRateLimiter implements RateLimiter {
  constructor(private redis: Redis) {}

  async hit(key: string, limit: number, windowMs: number): Promise<number> {
    const k = `bdhvs:rate:${key}`;
    const [[, count], [, ttl]] = (await this.redis.multi().incr(k).pttl(k).exec()) as [[unknown, number], [unknown, number]];
    if (ttl < 0) await this.redis.pexpire(k, windowMs);
    return count > limit ? Math.max(1, ttl < 0 ? windowMs : ttl) : 0;
  }
}
