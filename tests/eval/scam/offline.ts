// Reads one screenshot with the OCR pool; `npm run eval:scam` runs it under `unshare -rn` (no network at all).
import fs from 'node:fs';
import { OcrPool } from '../../../src/scam/ocr.js';

const pool = new OcrPool({ workers: 1, timeoutMs: 25000 });
try {
  console.log((await pool.read(fs.readFileSync(process.argv[2]!), 'offline')).replace(/\s+/g, ' '));
} finally {
  await pool.stop();
}
