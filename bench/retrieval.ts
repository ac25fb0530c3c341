/**
 * Retrieval benchmark: `npm run bench:retrieval`. Builds the hybrid index over 1k, 10k and 100k
 * chunks (synthetic: sentences of the real knowledge base shuffled into new passages, so the
 * vocabulary is realistic) and reports build time, memory and query latency p50/p99 over the eval
 * questions, next to MiniSearch (defaults) over the same chunks in the same run.
 * Sizes can be chosen: `npm run bench:retrieval -- 1000 10000`.
 */
import fs from 'node:fs';
import path from 'node:path';
import MiniSearch from 'minisearch';
import { parse } from 'yaml';
import { loadArticles, type Chunk } from '../src/retrieval/knowledge.js';
import { HybridIndex } from '../src/retrieval/hybrid.js';
import { HashingEmbedder } from '../src/retrieval/embeddings.js';
import { Lexicon } from '../src/text/lexicon.js';

const lexicon = Lexicon.load('knowledge');

const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
const SIZES = sizes.length ? sizes : [1_000, 10_000, 100_000];
const { chunks: real } = loadArticles('knowledge');
const sentences = real.flatMap((c) => c.text.split(/(?<=[.!?])\s+|\n+/).filter((s) => s.length > 20));
const headings = real.map((c) => c.heading);
const evalDir = 'tests/eval';
const questions = fs.readdirSync(evalDir).filter((f) => /^questions-.*\.yaml$/.test(f))
  .flatMap((f) => (parse(fs.readFileSync(path.join(evalDir, f), 'utf8')) as { q: string }[]).map((q) => q.q));

let seed = 42;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
function synthetic(n: number): Chunk[] {
  const out: Chunk[] = [...real.slice(0, Math.min(n, real.length))];
  while (out.length < n) {
    const i = out.length;
    const text = Array.from({ length: 3 + Math.floor(rand() * 4) }, () => sentences[Math.floor(rand() * sentences.length)]).join(' ');
    out.push({ id: `syn-${i}#0`, articleId: `syn-${Math.floor(i / 4)}`, title: headings[Math.floor(rand() * headings.length)]!, heading: headings[Math.floor(rand() * headings.length)]!, text, source: 'synthetic', samples: [], intro: false });
  }
  return out;
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
async function timeQueries(run: (q: string) => unknown): Promise<number[]> {
  for (const q of questions.slice(0, 20)) await run(q); // warm-up
  const times: number[] = [];
  for (let round = 0; round < 3; round++) {
    for (const q of questions) {
      const t = performance.now();
      await run(q);
      times.push(performance.now() - t);
    }
  }
  return times;
}

console.log(`node ${process.version}, ${questions.length} eval questions x 3 rounds per size\n`);
console.log('chunks   | hybrid build | hybrid memory (heap / RSS) | hybrid p50 | hybrid p99 | minisearch build | minisearch p50 | minisearch p99');
for (const n of SIZES) {
  const chunks = synthetic(n);
  globalThis.gc?.();
  const before = process.memoryUsage();
  let t = performance.now();
  const index = await HybridIndex.open(chunks, `bench-${n}`, new HashingEmbedder(lexicon), lexicon);
  const build = performance.now() - t;
  globalThis.gc?.();
  const after = process.memoryUsage();
  // hnswlib keeps its graph outside the JS heap: RSS growth covers both.
  const heap = after.heapUsed - before.heapUsed;
  const rssGrowth = after.rss - before.rss;
  const ours = await timeQueries((q) => index.search(q, 3));

  t = performance.now();
  const ms = new MiniSearch({ fields: ['title', 'heading', 'text'] });
  ms.addAll(chunks);
  const msBuild = performance.now() - t;
  const base = await timeQueries((q) => ms.search(q));
  console.log(`${String(n).padEnd(8)} | ${(build / 1000).toFixed(1).padStart(10)} s | ${mb(heap).padStart(8)} / +${mb(rssGrowth)} | ${pct(ours, 50).toFixed(2).padStart(7)} ms | ${pct(ours, 99).toFixed(2).padStart(7)} ms | ${(msBuild / 1000).toFixed(1).padStart(14)} s | ${pct(base, 50).toFixed(2).padStart(11)} ms | ${pct(base, 99).toFixed(2).padStart(11)} ms`);
}
