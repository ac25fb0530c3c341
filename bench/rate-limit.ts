/**
 * The in-memory rate limiter with many live keys (npm run bench:rate-limit).
 * 1. In process: hits per second with 0 to 100,000 live keys, the former limiter (a full scan of every key
 *    on each request once past 50,000) next to the current one (O(1) per request).
 * 2. Through the real server: web chat requests per second from new user ids as the limiter fills past
 *    50,000 keys (loopback only; bounded count).
 */
import http from 'node:http';
import { MemoryRateLimiter, type RateLimiter } from '../src/scale/rate-limit.js';
import { startTestApp } from '../tests/helpers/app.js';

/** The limiter as it was before issue 11, for comparison. */
class FormerMemoryRateLimiter {
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

async function inProcess(name: string, make: () => Pick<RateLimiter, 'hit'>): Promise<void> {
  for (const live of [0, 50_000, 100_000]) {
    const limiter = make();
    for (let i = 0; i < live; i++) await limiter.hit(`web:user:fill-${i}`, 30, 60_000);
    const n = 5_000;
    const t = performance.now();
    for (let i = 0; i < n; i++) await limiter.hit(`web:user:probe-${i}`, 30, 60_000);
    const s = (performance.now() - t) / 1000;
    console.log(`${name}\t${live} live keys\t${Math.round(n / s).toLocaleString('en')} hits/s`);
  }
}

function post(url: URL, body: string, agent: http.Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function throughServer(): Promise<void> {
  const t = await startTestApp({ WEBCHAT_LIMIT_PER_IP: '1000000', WEBCHAT_NEW_SESSIONS_PER_IP: '1000000' });
  const url = new URL('/api/chat', t.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  let next = 0;
  // Each request is a new user id: one more key in the limiter (and one more conversation).
  const run = async (count: number) => {
    const started = performance.now();
    let done = 0;
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (done < count) {
        done++;
        const status = await post(url, JSON.stringify({ userId: `bench-${next++}`, payload: 'MENU' }), agent);
        if (status !== 200) throw new Error(`status ${status}`);
      }
    }));
    return Math.round(count / ((performance.now() - started) / 1000));
  };
  for (let i = 0; i < 12; i++) {
    const rate = await run(5_000);
    console.log(`server\t${next.toLocaleString('en')} user ids so far\t${rate} req/s over the last 5,000`);
  }
  agent.destroy();
  await t.stop();
}

await inProcess('former', () => new FormerMemoryRateLimiter());
await inProcess('current', () => new MemoryRateLimiter());
if (!process.argv.includes('--no-server')) await throughServer();
