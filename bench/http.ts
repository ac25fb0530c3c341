/**
 * `npm run bench:http`: POST /api/chat with real citizens' questions (the development eval sets) against
 * the real server (SQLite, knowledge index, recording), next to a bare express handler that only parses
 * the JSON and answers, in the same run and on the same machine. autocannon, 32 connections, each request
 * from its own user id (web chat limits raised so the limiter does not refuse the load).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import express from 'express';
import { parse } from 'yaml';
import { startApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 32;

const evalDir = 'tests/eval';
const questions = fs.readdirSync(evalDir).filter((f) => /^questions-.*\.yaml$/.test(f))
  .flatMap((f) => (parse(fs.readFileSync(path.join(evalDir, f), 'utf8')) as { q: string }[]).map((q) => q.q));

async function load(url: string): Promise<autocannon.Result> {
  let n = 0;
  return autocannon({
    url: `${url}/api/chat`, connections: CONNECTIONS, duration: SECONDS, method: 'POST',
    headers: { 'content-type': 'application/json' },
    requests: [{
      setupRequest: (req) => ({ ...req, body: JSON.stringify({ userId: `bench-${n}`, text: questions[n++ % questions.length] }) }),
    }],
  });
}

function bare(): Promise<{ url: string; close: () => void }> {
  const app = express();
  app.post('/api/chat', express.json(), (req, res) => {
    res.json({ replies: [{ text: `Đã nhận: ${String((req.body as { text?: string }).text ?? '').slice(0, 20)}`, buttons: [] }] });
  });
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() }));
  });
}

const line = (name: string, r: autocannon.Result) =>
  `${name.padEnd(22)} ${r.requests.average.toFixed(0).padStart(7)} req/s   p50 ${String(r.latency.p50).padStart(4)} ms   p99 ${String(r.latency.p99).padStart(4)} ms   errors ${r.errors + r.non2xx}`;

const base = await bare();
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bdhvs-bench-'));
const app = await startApp(loadConfig({
  ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', DATA_DIR: dataDir,
  WEBCHAT_LIMIT_PER_USER: '100000', WEBCHAT_LIMIT_PER_IP: '1000000',
}));
console.log(`node ${process.version}, ${os.cpus().length} CPU, ${questions.length} questions, ${CONNECTIONS} connections, ${SECONDS} s each\n`);
await load(base.url); // warm-up of both, so neither pays for JIT in its measured run
await load(app.url);
const bareResult = await load(base.url);
const ours = await load(app.url);
console.log(line('bare express', bareResult));
console.log(line('POST /api/chat (bot)', ours));
console.log(`\nbot / bare express: ${((100 * ours.requests.average) / bareResult.requests.average).toFixed(1)} %`);
base.close();
await app.stop();
fs.rmSync(dataDir, { recursive: true, force: true });
