/**
 * Retrieval evaluation: `npm run eval`. Reads tests/eval/questions-*.yaml (question, expected
 * article or null for off-topic, input style) and reports top-1, recall@3, MRR and off-topic
 * refusal for our hybrid index, next to MiniSearch with default settings over the same chunks.
 * `--sweep` also prints how the numbers move with the confidence threshold.
 */
import fs from 'node:fs';
import path from 'node:path';
import MiniSearch from 'minisearch';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config.js';
import { loadArticles } from '../../src/retrieval/knowledge.js';
import { HybridIndex, confidence, confidenceInputs, type ConfidenceFeatures } from '../../src/retrieval/hybrid.js';
import { HashingEmbedder } from '../../src/retrieval/embeddings.js';

/** `expect` names the article that answers; a list where two articles answer equally well. */
interface Question { q: string; expect: string | string[] | null; style: string; file: string }
const expected = (q: Question): string[] => (q.expect === null ? [] : Array.isArray(q.expect) ? q.expect : [q.expect]);

const dir = path.dirname(new URL(import.meta.url).pathname);
const questions: Question[] = fs.readdirSync(dir).filter((f) => /^questions-.*\.yaml$/.test(f)).sort()
  .flatMap((f) => (parse(fs.readFileSync(path.join(dir, f), 'utf8')) as Omit<Question, 'file'>[]).map((q) => ({ ...q, file: f })));
const config = loadConfig({ ...process.env, LOG_LEVEL: 'silent' });
const { chunks, hash } = loadArticles(config.knowledgeDir);
const known = new Set(chunks.map((c) => c.articleId));
for (const q of questions) for (const a of expected(q)) if (!known.has(a)) throw new Error(`${q.file}: "${q.q}" expects unknown article ${a}`);

interface Ranked { articles: string[]; confidence: number; features?: ConfidenceFeatures }

async function rankOurs(): Promise<Ranked[]> {
  const index = await HybridIndex.open(chunks, hash, new HashingEmbedder());
  const out: Ranked[] = [];
  for (const q of questions) {
    const hits = await index.search(q.q, 10);
    out.push({ articles: [...new Set(hits.map((h) => h.chunk.articleId))], confidence: hits[0]?.confidence ?? 0, features: hits[0]?.features });
  }
  return out;
}

function rankBaseline(): Ranked[] {
  const ms = new MiniSearch({ fields: ['title', 'heading', 'text'], storeFields: ['articleId'] });
  ms.addAll(chunks);
  return questions.map((q) => {
    const r = ms.search(q.q);
    return { articles: [...new Set(r.map((x) => x.articleId as string))], confidence: r.length ? 1 : 0 };
  });
}

function score(ranked: Ranked[], threshold: number) {
  const groups = new Map<string, { n: number; top1: number; r3: number; mrr: number; refused: number }>();
  const bump = (key: string, f: (g: { n: number; top1: number; r3: number; mrr: number; refused: number }) => void) => {
    const g = groups.get(key) ?? { n: 0, top1: 0, r3: 0, mrr: 0, refused: 0 };
    f(g);
    groups.set(key, g);
  };
  questions.forEach((q, i) => {
    const r = ranked[i]!;
    const answered = r.confidence >= threshold;
    if (q.expect === null) {
      bump('off-topic', (g) => { g.n++; if (!answered) g.refused++; });
      return;
    }
    const rank = r.articles.findIndex((a) => expected(q).includes(a)) + 1;
    for (const key of ['on-topic (all)', q.style]) {
      bump(key, (g) => {
        g.n++;
        if (answered && rank === 1) g.top1++;
        if (answered && rank >= 1 && rank <= 3) g.r3++;
        if (answered && rank >= 1) g.mrr += 1 / rank;
        if (!answered) g.refused++;
      });
    }
  });
  return groups;
}

const pct = (a: number, n: number) => (n ? `${((100 * a) / n).toFixed(1)}%` : '-');
function report(name: string, ranked: Ranked[], threshold: number): void {
  console.log(`\n${name} (threshold ${threshold})`);
  console.log('group              n    top-1   recall@3  MRR    refused');
  for (const [k, g] of score(ranked, threshold)) {
    console.log(`${k.padEnd(17)} ${String(g.n).padStart(3)}  ${pct(g.top1, g.n).padStart(7)}  ${pct(g.r3, g.n).padStart(7)}  ${(g.n ? g.mrr / g.n : 0).toFixed(3)}  ${pct(g.refused, g.n).padStart(7)}`);
  }
}

const threshold = config.ANSWER_MIN_CONFIDENCE;
const t0 = performance.now();
const ours = await rankOurs();
const t1 = performance.now();
const base = rankBaseline();
const t2 = performance.now();
console.log(`${questions.length} questions, ${chunks.length} chunks from ${known.size} articles`);
report('Hybrid (BM25 accented+folded, typo correction, hashed vectors in HNSW)', ours, threshold);
report('Baseline: MiniSearch defaults (refuses only when nothing matches)', base, 0.5);
console.log(`\ntime: ours ${(t1 - t0).toFixed(0)} ms, baseline ${(t2 - t1).toFixed(0)} ms (index build + all queries)`);

if (process.argv.includes('--sweep')) {
  console.log('\nthreshold  top-1(on)  off-topic refused');
  for (let t = 0.3; t <= 0.81; t += 0.05) {
    const g = score(ours, t);
    const on = g.get('on-topic (all)')!;
    const off = g.get('off-topic')!;
    console.log(`${t.toFixed(2)}       ${pct(on.top1, on.n).padStart(6)}     ${pct(off.refused, off.n).padStart(6)}`);
  }
}
if (process.argv.includes('--misses')) {
  questions.forEach((q, i) => {
    const r = ours[i]!;
    const ok = q.expect === null ? r.confidence < threshold : expected(q).includes(r.articles[0]!) && r.confidence >= threshold;
    if (!ok) console.log(`MISS [${q.style}] ${q.q} -> expected ${q.expect}, got ${r.articles[0]} (c=${r.confidence.toFixed(2)})`);
  });
}

if (process.argv.includes('--fit')) {
  // Logistic regression of "the top passage is the right one" (on-topic, right article = 1; off-topic = 0;
  // on-topic with a wrong article is left out), with 5-fold cross-validation so the numbers are honest.
  const rows = questions.map((q, i) => ({ q, r: ours[i]! })).filter(({ q, r }) => r.features && (q.expect === null || expected(q).includes(r.articles[0]!)));
  const fit = (data: typeof rows): number[] => {
    let w = new Array<number>(7).fill(0);
    for (let it = 0; it < 4000; it++) {
      const g = new Array<number>(w.length).fill(0);
      for (const { q, r } of data) {
        const x = confidenceInputs(r.features!);
        const p = 1 / (1 + Math.exp(-x.reduce((s, v, i) => s + v * w[i]!, 0)));
        x.forEach((v, i) => (g[i]! += (p - (q.expect === null ? 0 : 1)) * v));
      }
      w = w.map((wi, i) => wi - 0.1 * (g[i]! / data.length + 0.001 * wi));
    }
    return w;
  };
  const cv = questions.map(() => 0);
  for (let f = 0; f < 5; f++) {
    const w = fit(rows.filter((_, i) => i % 5 !== f));
    questions.forEach((_, i) => { if (i % 5 === f && ours[i]!.features) cv[i] = confidence(ours[i]!.features!, w); });
  }
  const cvRanked = ours.map((r, i) => ({ ...r, confidence: cv[i]! }));
  report('5-fold cross-validated confidence', cvRanked, threshold);
  console.log(`\nweights fitted on all questions: [${fit(rows).map((x) => x.toFixed(3)).join(', ')}]`);
}
