/**
 * `npm run bench:http`: POST /api/chat with real citizens' questions (the development eval sets) against
 * the real server (SQLite, knowledge index, recording), next to a bare express handler that only parses
 * the JSON and answers, in the same run and on the same machine. autocannon (in this process), 32
 * connections, each request from its own user id (web chat limits raised so the limiter does not refuse
 * the load); both servers run in one child process (bench/http-server.ts).
 */
import fs from 'node:fs';
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import autocannon from 'autocannon';
import { parse } from 'yaml';
import { TEXTS_KEPT } from '../src/core/memo.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 32;

const evalDir = 'tests/eval';
const questions = fs.readdirSync(evalDir).filter((f) => /^questions-.*\.yaml$/.test(f))
  .flatMap((f) => (parse(fs.readFileSync(path.join(evalDir, f), 'utf8')) as { q: string }[]).map((q) => q.q));

/**
 * Chat filler that changes a message's text but not what it asks: with `fresh`, each pass over the questions
 * adds other filler, so no text repeats and the answer cache never helps (the cold answer path).
 */
const OPENERS = ['', 'cho hỏi', 'ad ơi', 'em hỏi', 'bạn ơi', 'xin hỏi'];
const CLOSERS = ['', 'ạ', 'nhé', 'vậy', 'với ạ', 'giúp em'];
/**
 * Repeated questions cycle through a working set the answer cache holds (half its size, as other memos share the
 * texts): cycling through more distinct texts than it keeps would make every request a miss, which the cold run
 * measures already.
 */
const REPEATED = Math.min(questions.length, TEXTS_KEPT / 2);
let runs = 0;
async function load(url: string, fresh = false): Promise<autocannon.Result> {
  let n = 0;
  const run = runs++;
  const text = (i: number) => {
    const q = questions[i % (fresh ? questions.length : REPEATED)]!;
    if (!fresh) return q;
    const pass = Math.floor(i / questions.length);
    return `${OPENERS[pass % OPENERS.length]} ${q} ${CLOSERS[Math.floor(pass / OPENERS.length) % CLOSERS.length]}`.trim();
  };
  return autocannon({
    url: `${url}/api/chat`, connections: CONNECTIONS, duration: SECONDS, method: 'POST',
    headers: { 'content-type': 'application/json' },
    requests: [{
      setupRequest: (req) => ({ ...req, body: JSON.stringify({ userId: `bench-${run}-${n}`, text: text(n++) }) }),
    }],
  });
}

const line = (name: string, r: autocannon.Result) =>
  `${name.padEnd(22)} ${r.requests.average.toFixed(0).padStart(7)} req/s   p50 ${String(r.latency.p50).padStart(4)} ms   p99 ${String(r.latency.p99).padStart(4)} ms   errors ${r.errors + r.non2xx}`;

const child = spawn(process.execPath, [...(process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_PROFILE] : []), '--import', 'tsx', 'bench/http-server.ts'], { stdio: ['ignore', 'pipe', 'inherit'] });
const [first] = (await once(child.stdout, 'data')) as [Buffer];
const urls = JSON.parse(first.toString().split('\n')[0]!) as { bare: string; bot: string };
console.log(`node ${process.version}, ${os.cpus().length} CPU, ${questions.length} questions (${REPEATED} when repeating), ${CONNECTIONS} connections, ${SECONDS} s each\n`);
await load(urls.bare); // warm-up of both, so neither pays for JIT in its measured run
await load(urls.bot);
const bareResult = await load(urls.bare);
// Repeated questions right after the warm-up, whose pass filled the answer cache: after the cold run, whose new texts
// push them out of it, its first pass would be cold again.
const repeated = await load(urls.bot);
const cold = await load(urls.bot, true);
console.log(line('bare express', bareResult));
console.log(line('bot, all texts differ', cold));
console.log(line('bot, texts repeat', repeated));
const ratio = (r: autocannon.Result) => `${((100 * r.requests.average) / bareResult.requests.average).toFixed(1)} %`;
console.log(`\nbot / bare express: ${ratio(cold)} with every text new (no answer cache), ${ratio(repeated)} as questions repeat`);
child.kill('SIGTERM');
await once(child, 'exit');
