import fs from 'node:fs'; import os from 'node:os'; import path from 'node:path'; import pino from 'pino'; import { parse } from 'yaml';
import { loadConfig } from '../src/config.js'; import { createAnswerer } from '../src/retrieval/index.js';
const config = loadConfig({ ...process.env, LOG_LEVEL: 'silent', DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'f-')) });
const { answerer, index } = await createAnswerer(config, pino({ level: 'silent' }));
for (const f of fs.readdirSync('tests/eval').filter((x) => x.startsWith('questions-'))) for (const q of parse(fs.readFileSync('tests/eval/' + f, 'utf8')) as { q: string; expect: unknown }[]) {
  if (q.expect !== null && q.expect !== 'unknown') continue;
  const { result } = await answerer.explain(q.q); if (result.kind !== 'unknown') continue;
  console.log(`${q.expect === null ? 'OFF' : 'UNK'} ${index.vocabularyShare(q.q).toFixed(2)} ${q.q}`);
}
