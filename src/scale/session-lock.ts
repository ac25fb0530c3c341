import crypto from 'node:crypto';
import type { Redis } from 'ioredis';
import type { SessionLock } from '../core/ports.js';

/** One process: the engine's own per-user queue is enough. */
export const localLock: SessionLock = {
  run: (_id, work) => work(),
};

// Release only our own lock: the token check and the delete must be one step.
const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

/**
 * Several instances behind a load balancer (REDIS_URL): a short Redis lease per conversation, so
 * two deliveries for one user never read and write the same state at once. The lease expires on
 * its own if an instance dies while holding it.
 */
export class RedisSessionLock implements SessionLock {
  constructor(private redis: Redis, private opts: { leaseMs?: number; waitMs?: number } = {}) {}

  async run<T>(sessionId: string, work: () => Promise<T>): Promise<T> {
    const key = `bdhvs:lock:${sessionId}`;
    const token = crypto.randomBytes(12).toString('hex');
    const lease = this.opts.leaseMs ?? 30_000;
    const deadline = Date.now() + (this.opts.waitMs ?? 30_000);
    for (let delay = 5; ; delay = Math.min(delay * 2, 200)) {
      if ((await this.redis.set(key, token, 'PX', lease, 'NX')) === 'OK') break;
      if (Date.now() > deadline) throw new Error(`session ${sessionId} is busy`);
      await new Promise((r) => setTimeout(r, delay + Math.random() * delay));
    }
    try {
      return await work();
    } finally {
      await this.redis.eval(RELEASE, 1, key, token).catch(() => undefined);
    }
  }
}
