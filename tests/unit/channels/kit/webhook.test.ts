import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Refusal, WebhookRequest, WebhookSpec } from '../../../../src/channels/kit/types.js';
import { parseJsonBody, webhookRouter } from '../../../../src/channels/kit/webhook.js';
import { errorHandler } from '../../../../src/http/errors.js';
import { Metrics } from '../../../../src/ops/metrics.js';
import { flush, silentLog } from '../../../helpers/fakes.js';

// The one webhook route every platform shares, mounted on a bare express app on a free port.

interface Ev { n: number; fail?: boolean }

const seen: WebhookRequest[] = [];
const spec: WebhookSpec<Ev> = {
  path: '/hook',
  verify(req): Refusal | undefined {
    seen.push(req);
    if (req.header('x-busy')) return { status: 503, code: 'starting', message: 'Not ready', retryAfterSeconds: 7 };
    const secret = req.header('x-secret');
    if (!secret) return { status: 401, code: 'unauthorized', message: 'Missing secret' };
    if (secret !== 's3cret') return { status: 403, code: 'forbidden', message: 'Wrong secret' };
    return undefined;
  },
  events: (body) => (Array.isArray(body.events) ? (body.events as Ev[]) : []),
  get: (q) => (q['hub.verify_token'] === 'vt' ? { status: 200, text: String(q['hub.challenge']) } : { status: 403, text: 'Verification failed' }),
};

/** What `accept` went through, in order: starts and ends of each event's storing. */
const trail: string[] = [];
async function accept(e: Ev): Promise<void> {
  trail.push(`start ${e.n}`);
  if (e.fail) throw new Error('database is down');
  for (let i = 0; i < e.n % 3; i++) await flush(); // uneven work: a parallel loop would interleave
  trail.push(`end ${e.n}`);
}

const metrics = new Metrics();
let server: Server;
let url = '';

beforeAll(async () => {
  const app = express();
  app.use(webhookRouter('telegram', spec, accept, { bodyLimit: 4096, log: silentLog, metrics }));
  app.use(errorHandler(silentLog));
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const post = (body: string, headers: Record<string, string> = { 'x-secret': 's3cret' }) =>
  fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

describe('webhookRouter', () => {
  it('refuses what verify refuses (401, 403, 503 with Retry-After) and stores nothing', async () => {
    trail.length = 0;
    const body = JSON.stringify({ events: [{ n: 1 }] });
    const missing = await post(body, {});
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual({ error: { code: 'unauthorized', message: 'Missing secret' } });
    expect((await post(body, { 'x-secret': 'guess' })).status).toBe(403);
    const busy = await post(body, { 'x-busy': '1' });
    expect(busy.status).toBe(503);
    expect(busy.headers.get('retry-after')).toBe('7');
    expect(trail).toEqual([]);
  });

  it('hands verify the raw bytes as sent, and the body parsed', async () => {
    const raw = '{ "events" : [],   "x": "Xin chào" }';
    expect((await post(raw)).status).toBe(200);
    const req = seen.at(-1)!;
    expect(req.raw.toString('utf8')).toBe(raw);
    expect(req.body).toEqual({ events: [], x: 'Xin chào' });
  });

  it('answers 400 to a verified body that is not a JSON object, 413 over the limit', async () => {
    expect((await post('{not json')).status).toBe(400);
    expect((await post('[1, 2]')).status).toBe(400);
    expect((await post(JSON.stringify({ events: [], pad: 'x'.repeat(5000) }))).status).toBe(413);
  });

  it('stores a batch one event at a time, in order, before answering 200', async () => {
    trail.length = 0;
    const events = Array.from({ length: 45 }, (_, n) => ({ n }));
    const res = await post(JSON.stringify({ events }));
    expect(res.status).toBe(200);
    expect(trail).toEqual(events.flatMap(({ n }) => [`start ${n}`, `end ${n}`]));
  });

  it('answers 503 with Retry-After when an event cannot be stored, and stops there (the platform sends the batch again)', async () => {
    trail.length = 0;
    const res = await post(JSON.stringify({ events: [{ n: 1 }, { n: 2, fail: true }, { n: 3 }] }));
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('storage_unavailable');
    expect(trail).toEqual(['start 1', 'end 1', 'start 2']);
  });

  it('answers the platform\'s GET check from the spec', async () => {
    const ok = await fetch(`${url}?hub.mode=subscribe&hub.verify_token=vt&hub.challenge=12345`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('12345');
    expect(ok.headers.get('content-type')).toMatch(/^text\/plain/);
    expect((await fetch(`${url}?hub.verify_token=nope&hub.challenge=1`)).status).toBe(403);
  });

  it('times every webhook POST for /metrics', async () => {
    const before = await timed();
    await post(JSON.stringify({ events: [] }));
    await post('{}', {});
    expect(await timed()).toBe(before + 2);
  });
});

async function timed(): Promise<number> {
  const m = (await metrics.registry.getMetricsAsJSON()).find((x) => x.name === 'bot_webhook_duration_seconds');
  return Number(m?.values.find((v) => (v as { metricName?: string }).metricName === 'bot_webhook_duration_seconds_count' && v.labels.channel === 'telegram')?.value ?? 0);
}

describe('parseJsonBody', () => {
  it('reads JSON objects only', () => {
    expect(parseJsonBody(Buffer.from('{"a":1}'))).toEqual({ a: 1 });
    expect(parseJsonBody(Buffer.from('null'))).toBeUndefined();
    expect(parseJsonBody(Buffer.from('"text"'))).toBeUndefined();
    expect(parseJsonBody(Buffer.from(''))).toBeUndefined();
  });
});
