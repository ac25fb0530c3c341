import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { startApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { PlatformChannelOptions } from '../../src/channels/index.js';

export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  raw: string;
  /** Parsed JSON or form body (form fields as an object). */
  body: Record<string, unknown>;
  /** When the request arrived (epoch ms), for benchmarks of sending rates. */
  at: number;
}

export interface FakeResponse {
  status?: number;
  json?: unknown;
  headers?: Record<string, string>;
}

type Handler = (req: FakeRequest, res: http.ServerResponse) => FakeResponse | Promise<FakeResponse | 'handled'> | 'handled';

interface Script {
  match: (r: FakeRequest) => boolean;
  response: FakeResponse;
  left: number;
}

/** Requests held unanswered by `FakeServer.hold`. */
export interface Hold {
  /** How many matching requests are waiting right now. */
  readonly waiting: number;
  /** Answers the waiting requests normally (and lets later ones through); those whose client went away stay unanswered. */
  release(): void;
}

/** A real HTTP server on 127.0.0.1:0 that records every request and can be scripted to fail. */
export class FakeServer {
  readonly requests: FakeRequest[] = [];
  url = '';
  private server: http.Server;
  private scripts: Script[] = [];
  private holds: { match: (r: FakeRequest) => boolean; waiting: number; released: Promise<void>; release: () => void }[] = [];

  constructor(private handler: Handler) {
    this.server = http.createServer((req, res) => void this.onRequest(req, res));
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** The next `times` requests matching `match` get `response` instead of the normal answer. */
  fail(match: (r: FakeRequest) => boolean, response: FakeResponse, times = 1): void {
    this.scripts.push({ match, response, left: times });
  }

  clearFailures(): void {
    this.scripts = [];
  }

  /**
   * Matching requests are recorded but wait unanswered until release(), as if the platform were slow.
   * One whose client goes away meanwhile (a killed bot) is never answered, so it never counts as handled.
   */
  hold(match: (r: FakeRequest) => boolean): Hold {
    let release!: () => void;
    const h = { match, waiting: 0, released: new Promise<void>((resolve) => (release = resolve)), release: () => {
      this.holds = this.holds.filter((x) => x !== h);
      release();
    } };
    this.holds.push(h);
    return { get waiting() { return h.waiting; }, release: h.release };
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async onRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const u = new URL(req.url ?? '/', 'http://x');
    let body: Record<string, unknown> = {};
    const type = String(req.headers['content-type'] ?? '');
    try {
      if (type.includes('application/x-www-form-urlencoded')) body = Object.fromEntries(new URLSearchParams(raw));
      else if (raw) body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      body = {};
    }
    const r: FakeRequest = { method: req.method ?? 'GET', path: u.pathname, query: u.searchParams, headers: req.headers, raw, body, at: Date.now() };
    this.requests.push(r);
    const hold = this.holds.find((h) => h.match(r));
    if (hold) {
      hold.waiting++;
      const gone = await Promise.race([hold.released.then(() => false), new Promise<boolean>((resolve) => res.once('close', () => resolve(true)))]);
      hold.waiting--;
      if (gone) return;
    }
    const script = this.scripts.find((s) => s.left > 0 && s.match(r));
    let out: FakeResponse | 'handled';
    if (script) {
      script.left--;
      out = script.response;
    } else {
      out = await this.handler(r, res);
    }
    if (out === 'handled') return;
    res.writeHead(out.status ?? 200, { 'content-type': 'application/json', ...out.headers });
    res.end(out.json === undefined ? '' : JSON.stringify(out.json));
  }
}

/** Short delays so retries finish in milliseconds; Retry-After seconds become 5 ms each. */
export const FAST_OUTBOUND = { baseDelayMs: 2, maxDelayMs: 10, retryAfterUnitMs: 5, timeoutMs: 3000, drainTimeoutMs: 3000 };

export interface Bot {
  app: App;
  url: string;
  dataDir: string;
  /** Every log line (JSON), debug and up. */
  logs: Record<string, unknown>[];
  retries: { channel: string; method: string; attempt: number; delayMs: number; code?: string | number }[];
  post(path: string, body: string, headers?: Record<string, string>): Promise<Response>;
  stop(): Promise<void>;
}

export function freshDataDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'bdhvs-channels-'));
}

/** Starts the real app with the given platform settings on a random port. */
export async function startBot(env: Record<string, string>, opts: { dataDir?: string; channels?: PlatformChannelOptions } = {}): Promise<Bot> {
  const dataDir = opts.dataDir ?? freshDataDir();
  const logs: Record<string, unknown>[] = [];
  const retries: Bot['retries'] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'silent', NODE_ENV: 'test', ...env });
  const app = await startApp(config, log, {
    channels: {
      ...opts.channels,
      outbound: { ...FAST_OUTBOUND, onRetry: (i) => retries.push(i), ...opts.channels?.outbound },
    },
  });
  return {
    app, url: app.url, dataDir, logs, retries,
    post: (p, body, headers = {}) => fetch(`${app.url}${p}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } }),
    stop: () => app.stop(),
  };
}

/** Log lines at info level or above (what an operator's log keeps). */
export function infoLogs(bot: Bot): Record<string, unknown>[] {
  return bot.logs.filter((l) => Number(l.level) >= 30);
}

/** The value of a Prometheus metric of the bot, summed over the series whose labels match. */
export async function metric(bot: { app: App }, name: string, labels: Record<string, string> = {}): Promise<number> {
  const found = (await bot.app.metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  return (found?.values ?? [])
    .filter((v) => Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want))
    .reduce((sum, v) => sum + Number(v.value), 0);
}
