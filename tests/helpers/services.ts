import fs from 'node:fs';
import { Redis } from 'ioredis';
import pg from 'pg';

/**
 * The outside services some tests need, found once per test file. On a contributor's laptop a missing one
 * skips those tests with a one-line reason and how to get it; under CI=true a missing one fails the file,
 * because CI must run everything (.ci/run installs and starts what is needed).
 */

export const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/test';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export type Service = 'postgres' | 'redis' | 'chromium';

const HOW: Record<Service, string> = {
  postgres: 'start PostgreSQL on 127.0.0.1:5432 (trust auth, database "test"; apt-get install postgresql) or set TEST_DATABASE_URL',
  redis: 'start Redis on 127.0.0.1:6379 (apt-get install redis-server) or set TEST_REDIS_URL',
  chromium: 'apt-get install chromium, or set CHROMIUM_PATH to a Chromium binary',
};

/** The address without a password, for messages. */
const shown = (url: string) => url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');

async function reachPostgres(): Promise<string | undefined> {
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.query('SELECT 1');
    return undefined;
  } catch (err) {
    return `PostgreSQL not reachable at ${shown(PG_URL)} (${(err as Error).message || (err as Error).name})`;
  } finally {
    await c.end().catch(() => undefined);
  }
}

async function reachRedis(): Promise<string | undefined> {
  const r = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  r.on('error', () => undefined);
  try {
    await r.connect();
    await r.ping();
    return undefined;
  } catch (err) {
    return `Redis not reachable at ${shown(REDIS_URL)} (${(err as Error).message || (err as Error).name})`;
  } finally {
    r.disconnect();
  }
}

function findChromium(): string | undefined {
  try {
    fs.accessSync(CHROMIUM_PATH, fs.constants.X_OK);
    return fs.statSync(CHROMIUM_PATH).isFile() ? undefined : `${CHROMIUM_PATH} is not a file`;
  } catch {
    return `no Chromium at ${CHROMIUM_PATH}`;
  }
}

/** Why the service is missing (with how to get it), or undefined when it is there. */
export async function missing(service: Service): Promise<string | undefined> {
  const why = service === 'postgres' ? await reachPostgres() : service === 'redis' ? await reachRedis() : findChromium();
  return why && `${why}: ${HOW[service]}`;
}

export const inCI = (env: NodeJS.ProcessEnv = process.env) => /^(true|1)$/i.test(env.CI ?? '');

/**
 * True when every service is there. Otherwise: under CI throws (the file fails loudly with the reason);
 * elsewhere prints one line per missing service and returns false, for `describe.skipIf(!ok)`.
 */
export async function needs(...services: Service[]): Promise<boolean> {
  const reasons = (await Promise.all(services.map(missing))).filter((r): r is string => r !== undefined);
  if (!reasons.length) return true;
  if (inCI()) throw new Error(`CI=true and a service these tests need is missing. ${reasons.join('. ')}`);
  for (const r of reasons) console.warn(`skipped: ${r}`);
  return false;
}
