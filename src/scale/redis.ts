import { Redis } from 'ioredis';

/** One Redis connection for the app's shared state (session leases, rate limits). */
export function connectRedis(url: string): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: 2 });
  // Connection errors surface on the commands that need Redis; the client reconnects by itself.
  redis.on('error', () => undefined);
  return redis;
}
