/**
 * The scam check, measured: `npm run eval:scam`. Two sets, reported apart: tune.yaml (two thirds; the rules in
 * knowledge/scam-signals.yaml were adjusted while looking at its misses) and heldout.yaml (one third, written at
 * the same time, before any rule; only its totals are printed). Four parts:
 *  1. text: each message checked as pasted; recall on scams (warned: "lừa đảo" or "đáng ngờ"; and strictly
 *     "lừa đảo"), legitimate messages called "lừa đảo" (and called at least "đáng ngờ");
 *     also how forwarded messages are recognised without a question, and that knowledge-base questions
 *     (tests/eval/questions-*.yaml) are not taken for messages to check;
 *  2. images: each message rendered as a phone screenshot (light and dark, app chrome) and read by the OCR pool:
 *     character accuracy of the message's text, and the verdicts on what was read;
 *  3. latency: screenshots posted to the real server's web chat (POST /api/chat {"image"}), image to reply p50/p95,
 *     the first one (models loading) apart;
 *  4. offline: one screenshot read in a process without any network (`unshare -rn`), when the machine allows it.
 * Options: --misses (tune set only), --tune-only (while tuning), --text-only, --limit N (images per set and theme), --latency N (requests, default 60),
 * --save DIR (keep the PNGs), --fixtures (write the two test fixtures to tests/fixtures/scam/).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { startApp } from '../../../src/app.js';
import { loadConfig } from '../../../src/config.js';
import { detectScam } from '../../../src/scam/detector.js';
import { readCheckRequest } from '../../../src/scam/intent.js';
import { loadScamKnowledge, type Verdict } from '../../../src/scam/knowledge.js';
import { OcrPool } from '../../../src/scam/ocr.js';
import { PhoneRenderer, type Theme } from './render.js';
import { charAccuracy, percent, quantile } from './measures.js';

interface Message { id: string; label: 'scam' | 'legit'; kind: string; from: string; app: string; text: string }

const dir = path.dirname(new URL(import.meta.url).pathname);
const root = path.resolve(dir, '../../..');
const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const option = (name: string, fallback: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const load = (file: string) => parse(fs.readFileSync(path.join(dir, file), 'utf8')) as Message[];
const sets: [string, Message[]][] = [['tune', load('tune.yaml')], ...(flag('--tune-only') ? [] : [['held-out', load('heldout.yaml')] as [string, Message[]]])];
const knowledge = loadScamKnowledge(path.join(root, 'knowledge'));

function verdictTable(name: string, msgs: Message[], verdicts: Verdict[]): void {
  const scams = msgs.map((m, i) => [m, verdicts[i]!] as const).filter(([m]) => m.label === 'scam');
  const legit = msgs.map((m, i) => [m, verdicts[i]!] as const).filter(([m]) => m.label === 'legit');
  const n = (xs: readonly (readonly [Message, Verdict])[], ...vs: Verdict[]) => xs.filter(([, v]) => vs.includes(v)).length;
  console.log(`  ${name.padEnd(9)} scams ${scams.length}: warned ${percent(n(scams, 'scam', 'suspicious'), scams.length)}, called "lừa đảo" ${percent(n(scams, 'scam'), scams.length)}`
    + ` | legitimate ${legit.length}: called "lừa đảo" ${percent(n(legit, 'scam'), legit.length)}, "đáng ngờ" or worse ${percent(n(legit, 'scam', 'suspicious'), legit.length)}`);
}

function misses(msgs: Message[], verdicts: Verdict[], texts: string[] = msgs.map((m) => m.text), fromImage = false): void {
  msgs.forEach((m, i) => {
    const v = verdicts[i]!;
    if ((m.label === 'scam' && v === 'scam') || (m.label === 'legit' && v === 'no_sign')) return;
    const f = detectScam(texts[i]!, knowledge, { fromImage });
    console.log(`    ${m.id} ${m.label}/${m.kind} -> ${v} (${f.score}) ${f.signals.map((s) => `${s.kind}:${s.weight}[${s.quotes.join(' / ')}]`).join(' ')}\n      ${texts[i]!.replace(/\s+/g, ' ').slice(0, 200)}`);
  });
}

function textPart(): void {
  console.log('\n1. Text (pasted or forwarded messages)');
  for (const [name, msgs] of sets) {
    const verdicts = msgs.map((m) => detectScam(m.text, knowledge).verdict);
    verdictTable(name, msgs, verdicts);
    const scams = msgs.filter((m) => m.label === 'scam');
    const forwarded = scams.filter((m) => readCheckRequest(m.text, knowledge)).length;
    const asked = msgs.filter((m) => {
      const r = readCheckRequest(`Tin này có phải lừa đảo không: ${m.text}`, knowledge);
      return r?.kind === 'check' && r.message === m.text;
    }).length;
    console.log(`  ${''.padEnd(9)} scams pasted without a question and taken for a check: ${percent(forwarded, scams.length)};`
      + ` "Tin này có phải lừa đảo không: <tin>" read with the message intact: ${percent(asked, msgs.length)}`);
    if (flag('--misses') && name === 'tune') {
      misses(msgs, verdicts);
      for (const m of scams) if (!readCheckRequest(m.text, knowledge)) console.log(`    not taken for a check without a question: ${m.id} ${m.text.slice(0, 120)}`);
    }
  }
  const questions = fs.readdirSync(path.join(root, 'tests/eval')).filter((f) => /^questions-.*\.yaml$/.test(f))
    .flatMap((f) => (parse(fs.readFileSync(path.join(root, 'tests/eval', f), 'utf8')) as { q: string }[]).map((q) => q.q));
  const taken = questions.filter((q) => readCheckRequest(q, knowledge));
  console.log(`  knowledge-base questions (tests/eval/questions-*.yaml) taken for a check: ${taken.length} of ${questions.length}`);
  for (const q of taken) console.log(`    "${q}"`);
}

async function imagePart(renderer: PhoneRenderer): Promise<void> {
  console.log('\n2. Images (phone screenshots: light and dark PNG at 2×, and light re-compressed as JPEG q50 at 1.25×; read by tesseract.js offline)');
  const pool = new OcrPool({ workers: loadConfig({}).OCR_WORKERS, timeoutMs: 25000 });
  const save = args.includes('--save') ? args[args.indexOf('--save') + 1]! : undefined;
  if (save) fs.mkdirSync(save, { recursive: true });
  try {
    for (const [name, all] of sets) {
      const msgs = all.slice(0, option('--limit', all.length));
      for (const theme of ['light', 'dark', 'compressed'] as Theme[]) {
        const texts: string[] = [];
        const accuracies: number[] = [];
        const times: number[] = [];
        for (const m of msgs) {
          const png = await renderer.png(m, theme);
          if (save) fs.writeFileSync(path.join(save, `${m.id}-${theme}.${theme === 'compressed' ? 'jpg' : 'png'}`), png);
          const t = performance.now();
          const text = await pool.read(png, m.id).catch(() => '');
          times.push(performance.now() - t);
          texts.push(text);
          accuracies.push(charAccuracy(m.text, text));
        }
        const mean = accuracies.reduce((a, b) => a + b, 0) / accuracies.length;
        const folded = msgs.map((m, i) => charAccuracy(fold(m.text), fold(texts[i]!))).reduce((a, b) => a + b, 0) / msgs.length;
        console.log(`  ${name} ${theme}: OCR character accuracy ${(mean * 100).toFixed(1)} % (without tone marks ${(folded * 100).toFixed(1)} %),`
          + ` worst ${(Math.min(...accuracies) * 100).toFixed(1)} %; OCR time p50 ${quantile(times, 0.5).toFixed(0)} ms, p95 ${quantile(times, 0.95).toFixed(0)} ms`);
        const verdicts = texts.map((t) => detectScam(t, knowledge, { fromImage: true }).verdict);
        verdictTable(`  ${theme}`, msgs, verdicts);
        if (flag('--misses') && name === 'tune') misses(msgs, verdicts, texts, true);
      }
    }
  } finally {
    await pool.stop();
  }
}

const fold = (s: string) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[đĐ]/g, 'd');

async function latencyPart(renderer: PhoneRenderer): Promise<void> {
  const count = option('--latency', 60);
  console.log(`\n3. Image to reply through the real server (POST /api/chat with a screenshot, ${count} requests one after another)`);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bdhvs-eval-scam-'));
  const app = await startApp(loadConfig({ ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', DATA_DIR: dataDir, WEBCHAT_LIMIT_PER_USER: '100000' }));
  try {
    const all = sets.flatMap(([, m]) => m);
    const step = Math.max(1, Math.floor(all.length / count));
    const times: number[] = [];
    let verdictReplies = 0;
    for (let i = 0; times.length < count && i < all.length * 2; i += step) {
      const m = all[i % all.length]!;
      const png = await renderer.png(m, i % 2 ? 'dark' : 'light');
      const body = JSON.stringify({ userId: `eval-${times.length}`, image: `data:image/png;base64,${png.toString('base64')}` });
      const t = performance.now();
      const res = await fetch(`${app.url}/api/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const json = (await res.json()) as { replies: { text: string }[] };
      times.push(performance.now() - t);
      if (json.replies.some((r) => /LỪA ĐẢO|ĐÁNG NGỜ|CHƯA THẤY DẤU HIỆU/.test(r.text))) verdictReplies++;
    }
    const [first, ...rest] = times;
    console.log(`  first image (models loading): ${first!.toFixed(0)} ms; then p50 ${quantile(rest, 0.5).toFixed(0)} ms, p95 ${quantile(rest, 0.95).toFixed(0)} ms,`
      + ` max ${Math.max(...rest).toFixed(0)} ms; ${verdictReplies} of ${times.length} answered with a verdict`);
    console.log(`  (${os.availableParallelism()} cores, OCR_WORKERS=${loadConfig({}).OCR_WORKERS}, PNG 780 × 1688)`);
  } finally {
    await app.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function offlinePart(renderer: PhoneRenderer): Promise<void> {
  console.log('\n4. Offline: one screenshot read with no network at all (unshare -rn: only a loopback that is down)');
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bdhvs-offline-')), 'shot.png');
  fs.writeFileSync(file, await renderer.png(sets[0]![1][0]!, 'light'));
  try {
    const out = execFileSync('unshare', ['-rn', process.execPath, '--import', 'tsx', path.join(dir, 'offline.ts'), file], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    console.log(`  read without network: ${out.trim().slice(0, 120)}…`);
  } catch (e) {
    console.log(`  not run here (${(e as Error).message.split('\n')[0]})`);
  }
}

async function writeFixtures(renderer: PhoneRenderer): Promise<void> {
  const out = path.join(root, 'tests/fixtures/scam');
  fs.mkdirSync(out, { recursive: true });
  const tune = sets[0]![1];
  const scam = tune.find((m) => m.id === 's001')!;
  const legit = tune.find((m) => m.id === 'l001')!;
  fs.writeFileSync(path.join(out, 'scam-light.png'), await renderer.png(scam, 'light'));
  fs.writeFileSync(path.join(out, 'legit-dark.png'), await renderer.png(legit, 'dark'));
  console.log(`fixtures written to ${out}`);
}

textPart();
if (!flag('--text-only')) {
  const renderer = await PhoneRenderer.start();
  try {
    if (flag('--fixtures')) await writeFixtures(renderer);
    await imagePart(renderer);
    await latencyPart(renderer);
    await offlinePart(renderer);
  } finally {
    await renderer.close();
  }
}
