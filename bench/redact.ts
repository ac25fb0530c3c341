/**
 * Time to mask personal data in one kept question, by length and shape of text (npm run bench:redact).
 * Redaction must stay linear: a client may send texts up to MAX_TEXT_LENGTH (at most 20,000 characters).
 */
import { redactPersonalData } from '../src/participation/redact.js';

const shapes: [string, (n: number) => string][] = [
  ['one run of Vietnamese letters', (n) => 'ầ'.repeat(n)],
  ['words without spaces between syllables', (n) => 'nguyễnvănán '.repeat(Math.ceil(n / 12)).slice(0, n)],
  ['"a@" then dotted labels', (n) => `a@${'b.'.repeat(n / 2)}1`],
  ['letters @ letters', (n) => `${'x'.repeat(n / 2)}@${'y'.repeat(n / 2)}`],
  ['digits with dots', (n) => '1.1.1.1.1.1.1.1.x'.repeat(Math.ceil(n / 17)).slice(0, n)],
  ['sentences with e-mails and phones', (n) => 'Tôi tên An, email an.nguyen@gmail.com, sđt 0912 345 678. '.repeat(Math.ceil(n / 58)).slice(0, n)],
];

console.log('chars\tshape\tms (median of 5)');
for (const n of [2_000, 20_000, 200_000]) {
  for (const [name, make] of shapes) {
    const text = make(n);
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      redactPersonalData(text);
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    console.log(`${n}\t${name}\t${times[2]!.toFixed(2)}`);
  }
}
