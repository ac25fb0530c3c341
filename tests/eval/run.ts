/**
 * Answer quality: `npm run eval`. Two sets, reported apart:
 *  - development: tests/eval/questions-*.yaml (written from the articles and from situations; used to tune
 *    the lexicon, the samples and the confidence model: `-- --fit` refits it with 5-fold cross-validation);
 *  - held-out: tests/eval/heldout/*.yaml, written from ../shared and citizens' situations without reading
 *    the articles, never used for fitting or for choosing samples. Only its totals are reported unless
 *    `-- --heldout-misses` is given (do not tune on them).
 * Each question goes through the real answerer (small talk and scope rules, retrieval, confidence).
 * `expect`: article id(s) that answer; null = off topic (the bot must decline it as out of scope; in the
 * development set, where older questions mixed both, refusing counts too); `smalltalk`; `unknown` = in scope
 * but not in the knowledge base (the bot must say it does not know, which sends it to staff).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import MiniSearch from 'minisearch';
import pino from 'pino';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config.js';
import { createAnswerer } from '../../src/retrieval/index.js';
import { loadArticles } from '../../src/retrieval/knowledge.js';
import { confidence, confidenceInputs, CONFIDENCE_WEIGHTS, type ConfidenceFeatures } from '../../src/retrieval/confidence.js';

interface Question { q: string; expect: string | string[] | null; section?: string; style: string; file: string }
interface Outcome { kind: string; articles: string[]; headings: string[]; confidence: number; features?: ConfidenceFeatures }

const dir = path.dirname(new URL(import.meta.url).pathname);
/** `-- --only <text>`: only the question files whose name contains it (a new set's untuned score, alone). */
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] ?? '' : '';
const read = (d: string) => fs.readdirSync(d).filter((f) => /^questions-.*\.yaml$/.test(f) && f.includes(only)).sort()
  .flatMap((f) => (parse(fs.readFileSync(path.join(d, f), 'utf8')) as Omit<Question, 'file'>[]).map((q) => ({ ...q, file: f })));
const sets: [name: string, questions: Question[]][] = [['development', read(dir)], ...(process.argv.includes('--dev-only') ? [] : [['held-out', read(path.join(dir, 'heldout'))] as [string, Question[]]])];
const expected = (q: Question): string[] => (Array.isArray(q.expect) ? q.expect : typeof q.expect === 'string' ? [q.expect] : []);
const isTopic = (q: Question) => q.expect !== null && q.expect !== 'smalltalk' && q.expect !== 'unknown';

const config = loadConfig({ ...process.env, LOG_LEVEL: 'silent', DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'bdhvs-eval-')) });
const { chunks } = loadArticles(config.knowledgeDir);
const known = new Set(chunks.map((c) => c.articleId));
for (const [, qs] of sets) for (const q of qs) if (isTopic(q)) for (const a of expected(q)) if (!known.has(a)) throw new Error(`${q.file}: "${q.q}" expects unknown article ${a}`);

const t0 = performance.now();
const { answerer } = await createAnswerer(config, pino({ level: 'silent' }));
const t1 = performance.now();
async function run(questions: Question[]): Promise<Outcome[]> {
  const out: Outcome[] = [];
  for (const q of questions) {
    const { result, hits } = await answerer.explain(q.q);
    out.push({ kind: result.kind, articles: [...new Set(hits.map((h) => h.chunk.articleId))], headings: hits.map((h) => h.chunk.heading),
      confidence: hits[0]?.confidence ?? 0, features: hits[0]?.features });
  }
  return out;
}

/** Whether the bot did the right thing; `threshold` re-decides retrieval answers (sweep, refit). */
function right(q: Question, o: Outcome, strictDecline: boolean, threshold = config.ANSWER_MIN_CONFIDENCE): boolean {
  const retrieval = o.kind === 'answer' || o.kind === 'unknown';
  // At the configured threshold the bot's own decision counts (it may refuse a confident passage that lacks the
  // asked fact); other thresholds re-decide on confidence alone.
  const answered = threshold === config.ANSWER_MIN_CONFIDENCE ? o.kind === 'answer' : retrieval && o.confidence >= threshold && o.articles.length > 0;
  if (q.expect === 'smalltalk') return o.kind === 'smalltalk';
  if (q.expect === 'unknown') return retrieval && !answered;
  if (q.expect === null) return o.kind === 'out_of_scope' || (!strictDecline && ((retrieval && !answered) || o.kind === 'hint'));
  return answered && expected(q).includes(o.articles[0]!);
}

const pct = (a: number, n: number) => (n ? `${((100 * a) / n).toFixed(1)}%` : '-');
function report(name: string, qs: Question[], outs: Outcome[]): void {
  const strict = name === 'held-out';
  const groups = new Map<string, { n: number; ok: number; section: number; sectionN: number; refused: number; ranked: number }>();
  qs.forEach((q, i) => {
    const o = outs[i]!;
    const ok = right(q, o, strict);
    const keys = isTopic(q) ? ['on topic (all)', q.style] : [q.expect === null ? 'off topic' : String(q.expect)];
    for (const k of keys) {
      const g = groups.get(k) ?? { n: 0, ok: 0, section: 0, sectionN: 0, refused: 0, ranked: 0 };
      g.n++;
      if (isTopic(q) && expected(q).includes(o.articles[0]!)) g.ranked++;
      if (ok) g.ok++;
      if (isTopic(q) && o.kind !== 'answer') g.refused++;
      if (q.section) { g.sectionN++; if (ok && o.headings[0] === q.section) g.section++; }
      groups.set(k, g);
    }
  });
  console.log(`\n${name}: ${qs.length} questions${strict ? ' (off topic must be declined as out of scope)' : ''}`);
  console.log('group              n   right   refused   ranked first   right section (where labelled)');
  const order = [...groups.keys()].sort((a, b) => (a === 'on topic (all)' ? -1 : b === 'on topic (all)' ? 1 : a.localeCompare(b)));
  const kinds = new Map<string, Map<string, number>>();
  qs.forEach((q, i) => {
    // On topic: what the refused ones got instead (counts only), to tell low confidence from scope declines.
    if (isTopic(q) && outs[i]!.kind === 'answer') return;
    const k = isTopic(q) ? 'on topic (all)' : q.expect === null ? 'off topic' : String(q.expect);
    const m = kinds.get(k) ?? new Map<string, number>();
    m.set(outs[i]!.kind, (m.get(outs[i]!.kind) ?? 0) + 1);
    kinds.set(k, m);
  });
  for (const k of order) {
    const g = groups.get(k)!;
    const topic = !['smalltalk', 'unknown', 'off topic'].includes(k);
    const got = kinds.get(k) ? `   ${topic ? 'refused as' : 'got'}: ${[...kinds.get(k)!].map(([kind, n]) => `${kind} ${n}`).join(', ')}` : '';
    console.log(`${k.padEnd(17)} ${String(g.n).padStart(3)}  ${pct(g.ok, g.n).padStart(6)}  ${topic ? pct(g.refused, g.n).padStart(7) : '      -'}  ${topic ? pct(g.ranked, g.n).padStart(12) : '           -'}   ${g.sectionN ? `${pct(g.section, g.sectionN)} of ${g.sectionN}` : '-'}${got}`);
  }
}

const results = new Map<string, Outcome[]>();
for (const [name, qs] of sets) results.set(name, await run(qs));
const t2 = performance.now();
for (const [name, qs] of sets) report(name, qs, results.get(name)!);
const total = sets.reduce((n, [, qs]) => n + qs.length, 0);
console.log(`\ntime: index ${(t1 - t0).toFixed(0)} ms; ${total} questions in ${(t2 - t1).toFixed(0)} ms (${((t2 - t1) / total).toFixed(2)} ms each)`);

// Baseline: MiniSearch defaults over the same passages (refuses only when nothing matches).
const ms = new MiniSearch({ fields: ['title', 'heading', 'text'], storeFields: ['articleId'] });
ms.addAll(chunks);
for (const [name, qs] of sets) {
  const outs = qs.map((q) => {
    const r = ms.search(q.q);
    return { kind: r.length ? 'answer' : 'unknown', articles: [...new Set(r.map((x) => x.articleId as string))], headings: [], confidence: r.length ? 1 : 0 };
  });
  const on = qs.map((q, i) => [q, outs[i]!] as const).filter(([q]) => isTopic(q));
  console.log(`baseline MiniSearch, ${name}: on topic right ${pct(on.filter(([q, o]) => right(q, o, false, 0.5)).length, on.length)}`);
}

const dev = sets[0]![1];
const devOut = results.get('development')!;
if (process.argv.includes('--misses') || process.argv.includes('--heldout-misses')) {
  const which = process.argv.includes('--heldout-misses') ? sets[1]! : sets[0]!;
  which[1].forEach((q, i) => {
    const o = results.get(which[0])!.at(i)!;
    if (!right(q, o, which[0] === 'held-out')) console.log(`MISS [${q.style}] ${q.q} -> expected ${q.expect}, got ${o.kind} ${o.articles[0] ?? ''} / ${o.headings[0] ?? ''} (c=${o.confidence.toFixed(2)})`);
  });
}
if (process.argv.includes('--sweep')) {
  console.log('\nthreshold  development right: on topic / off topic and unknown');
  const on = dev.map((q, i) => [q, devOut[i]!] as const).filter(([q]) => isTopic(q));
  const off = dev.map((q, i) => [q, devOut[i]!] as const).filter(([q]) => q.expect === null || q.expect === 'unknown');
  for (let t = 0.3; t <= 0.86; t += 0.05) {
    console.log(`${t.toFixed(2)}       ${pct(on.filter(([q, o]) => right(q, o, false, t)).length, on.length)} / ${pct(off.filter(([q, o]) => right(q, o, false, t)).length, off.length)}`);
  }
}
if (process.argv.includes('--fit')) fit();

/**
 * Logistic regression of "the top passage is the right one" on the development set only: on topic with the
 * right article = 1; off topic and unknown = 0; on topic with a wrong article is left out. Reports 5-fold
 * cross-validated accuracy, then the weights fitted on all development questions.
 */
function fit(): void {
  const rows = dev.map((q, i) => ({ q, o: devOut[i]! }))
    .filter(({ q, o }) => o.features && (q.expect === null || q.expect === 'unknown' || (isTopic(q) && expected(q).includes(o.articles[0]!))));
  const train = (data: typeof rows): number[] => {
    let w = CONFIDENCE_WEIGHTS.map(() => 0);
    for (let it = 0; it < 4000; it++) {
      const g = w.map(() => 0);
      for (const { q, o } of data) {
        const x = confidenceInputs(o.features!);
        const p = 1 / (1 + Math.exp(-x.reduce((s, v, i) => s + v * w[i]!, 0)));
        x.forEach((v, i) => (g[i]! += (p - (isTopic(q) ? 1 : 0)) * v));
      }
      w = w.map((wi, i) => wi - 0.1 * (g[i]! / data.length + 0.001 * wi));
    }
    return w;
  };
  const cv = devOut.map((o) => ({ ...o }));
  for (let f = 0; f < 5; f++) {
    const w = train(rows.filter((_, i) => i % 5 !== f));
    rows.forEach((r, i) => {
      if (i % 5 === f) cv[dev.indexOf(r.q)]!.confidence = confidence(r.o.features!, w);
    });
  }
  report('development, 5-fold cross-validated confidence', dev, cv.map((o) => (o.kind === 'answer' || o.kind === 'unknown'
    ? { ...o, kind: o.confidence >= config.ANSWER_MIN_CONFIDENCE ? 'answer' : 'unknown' } : o)));
  console.log(`\nweights fitted on all development questions: [${train(rows).map((x) => x.toFixed(3)).join(', ')}]`);
}
