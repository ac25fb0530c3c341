import fs from 'node:fs'; import os from 'node:os'; import path from 'node:path'; import pino from 'pino'; import { parse } from 'yaml';
import { loadConfig } from '../src/config.js'; import { createAnswerer } from '../src/retrieval/index.js';
const config = loadConfig({ ...process.env, LOG_LEVEL: 'silent', DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'f-')) });
const { answerer } = await createAnswerer(config, pino({ level: 'silent' }));
for (const f of process.argv.slice(2)) for (const q of parse(fs.readFileSync(f, 'utf8')) as { q: string; expect: unknown }[]) {
  const { hits } = await answerer.explain(q.q); const h = hits[0]; if (!h) { console.log('NOHIT', q.q); continue; }
  const ok = Array.isArray(q.expect) ? q.expect.includes(h.chunk.articleId) : q.expect === h.chunk.articleId;
  const f2 = h.features!; console.log(`${q.expect === 'unknown' ? 'UNK' : ok ? 'OK ' : 'BAD'} cw=${f2.chunkWords.toFixed(2)} aw=${f2.articleWords.toFixed(2)} ap=${f2.articlePairs.toFixed(2)} cos=${f2.cosine.toFixed(2)} scos=${f2.sampleCosine.toFixed(2)} bm=${f2.bm25.toFixed(1)} n=${f2.contentWords} | ${q.q.slice(0, 60)} -> ${h.chunk.heading.slice(0, 40)}`);
}
