import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { joinLines, OcrError, OcrPool } from '../../../src/scam/ocr.js';

const SCAM_PNG = fs.readFileSync('tests/fixtures/scam/scam-light.png');
const pools: OcrPool[] = [];
const pool = (o: Partial<ConstructorParameters<typeof OcrPool>[0]> = {}) => {
  const p = new OcrPool({ workers: 1, timeoutMs: 20_000, ...o });
  pools.push(p);
  return p;
};
const reason = (p: Promise<unknown>) => p.then(() => 'read', (e: unknown) => (e instanceof OcrError ? e.reason : String(e)));
afterAll(async () => { for (const p of pools) await p.stop(); });

describe('OCR pool (tesseract.js with the vie and eng models from node_modules)', () => {
  it('reads a screenshot: the message word for word, wrapped lines joined', async () => {
    const text = await pool().read(SCAM_PNG, 'a');
    expect(text).toContain('Cơ quan Cảnh sát điều tra thông báo: số CCCD của ông/bà liên quan đến đường dây rửa tiền.');
    expect(text).not.toContain('\n');
  });

  it('refuses what is not a JPEG or PNG before any work', async () => {
    expect(await reason(pool().read(Buffer.from('GIF89a...'), 'a'))).toBe('not_image');
  });

  it('one image at a time per person; beyond the queue, busy', async () => {
    const p = pool({ queuePerWorker: 1 });
    const first = p.read(SCAM_PNG, 'same');
    expect(await reason(p.read(SCAM_PNG, 'same'))).toBe('busy');
    const other = p.read(SCAM_PNG, 'other'); // waits in the queue (one place per worker)
    expect(await reason(p.read(SCAM_PNG, 'third'))).toBe('busy');
    expect(await reason(first)).toBe('read');
    expect(await reason(other)).toBe('read');
  });

  it('gives up on an image that takes longer than the timeout', async () => {
    const p = pool({ timeoutMs: 1 });
    expect(await reason(p.read(SCAM_PNG, 'a'))).toBe('timeout');
  });

  it('with no worker, every image is refused as busy', async () => {
    expect(await reason(pool({ workers: 0 }).read(SCAM_PNG, 'a'))).toBe('busy');
  });

  it('joins lines the bubble wrapped; a link cut after a hyphen is joined without a space', () => {
    expect(joinLines('Truy cap https://sodo-\ncapnhat.online de\n\ncap nhat')).toBe('Truy cap https://sodo-capnhat.online de cap nhat');
  });
});
