/** Measures for the scam-check eval. */

/**
 * How much of the message's text the OCR got right: 1 − (edit distance of the message to the closest part of
 * the OCR output) / (message length), over NFC text with runs of whitespace as one space. The message may sit
 * anywhere in the output (status bar, header and typing bar are read too), so the alignment is free at both ends.
 */
export function charAccuracy(reference: string, ocr: string): number {
  const a = [...norm(reference)];
  const b = [...norm(ocr)];
  if (!a.length) return 1;
  let prev = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    const cur = new Array<number>(b.length + 1);
    cur[0] = i;
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return Math.max(0, 1 - Math.min(...prev) / a.length);
}

const norm = (s: string) => s.normalize('NFC').replace(/\s+/g, ' ').trim();

export function quantile(xs: number[], q: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}

export const percent = (n: number, of: number) => `${n}/${of} (${of ? ((n / of) * 100).toFixed(1) : '–'} %)`;
