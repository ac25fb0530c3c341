import fs from 'node:fs'; import os from 'node:os'; import path from 'node:path'; import pino from 'pino';
import { loadConfig } from '../src/config.js'; import { createAnswerer } from '../src/retrieval/index.js';
const config = loadConfig({ ...process.env, LOG_LEVEL: 'silent', DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'f-')) });
const { answerer } = await createAnswerer(config, pino({ level: 'silent' }));
for (const q of process.argv.slice(2)) { const { result, hits } = await answerer.explain(q); console.log(q, '=>', result.kind, hits.slice(0,3).map(h => `${h.chunk.articleId}#${h.chunk.heading.slice(0,30)} c=${h.confidence.toFixed(2)}`).join(' | ')); }
