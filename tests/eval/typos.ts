/**
 * Typo stress: `npm run eval:typos`. The development set's on-topic questions typed with tone marks, each answered
 * as written and again with typos put in by a fixed-seed generator, one kind at a time and then mixed: keys left in
 * Telex ("muwcs"), two letters swapped, a letter dropped, a key pressed twice, a neighbouring key, a tone mark lost
 * or put on another vowel, two words run together. Prints how many stay right. A development tool: the typos are
 * made by rule, not by people, so it shows which kinds hurt, not how citizens fare (the held-out set does that).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config.js';
import { createAnswerer } from '../../src/retrieval/index.js';

const TYPOS_PER_QUESTION = [1, 2];
const TONES: Record<string, string> = { '\u0301': 's', '\u0300': 'f', '\u0309': 'r', '\u0303': 'x', '\u0323': 'j' };
const KEY_ROWS = ['qwertyuiop', 'asdfghjkl', 'zxcvbnm'];

let seed = 1;
const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
const pick = <T>(list: T[]): T => list[Math.floor(random() * list.length)]!;
/** Letter positions after the first (a typo rarely hits the first letter). */
const inner = (letters: string[]) => letters.map((c, i) => (i > 0 && /\p{L}/u.test(c) ? i : -1)).filter((i) => i > 0);

function telex(word: string): string {
  let tone = '';
  let out = '';
  for (const ch of word.normalize('NFD')) {
    if (TONES[ch]) tone = TONES[ch]!;
    else if (ch === '\u0302') out += out.at(-1);
    else if (ch === '\u0306' || ch === '\u031b') out += 'w';
    else out += ch === 'đ' ? 'dd' : ch;
  }
  return out + tone;
}

function neighbour(c: string): string {
  for (const row of KEY_ROWS) {
    const i = row.indexOf(c);
    if (i >= 0) return pick([row[i - 1], row[i + 1]].filter((k): k is string => Boolean(k)));
  }
  return c;
}

/** Each kind of typo, applied to one word (NFC in, NFC out). */
const KINDS: Record<string, (word: string) => string> = {
  telex,
  swap: (w) => {
    const cs = [...w];
    const at = inner(cs).filter((i) => i < cs.length - 1);
    if (!at.length) return w;
    const i = pick(at);
    [cs[i], cs[i + 1]] = [cs[i + 1]!, cs[i]!];
    return cs.join('');
  },
  drop: (w) => {
    const cs = [...w];
    const at = inner(cs);
    if (!at.length) return w;
    cs.splice(pick(at), 1);
    return cs.join('');
  },
  double: (w) => {
    const cs = [...w];
    const i = Math.floor(random() * cs.length);
    cs.splice(i, 0, cs[i]!);
    return cs.join('');
  },
  neighbour: (w) => {
    // On the base letter only: the marks stay on their vowel.
    const cs = [...w.normalize('NFD')];
    const at = cs.map((c, i) => (i > 0 && /[a-z]/.test(c) && !/[\u0300-\u036f]/.test(cs[i + 1] ?? '') ? i : -1)).filter((i) => i > 0);
    if (!at.length) return w;
    const i = pick(at);
    cs[i] = neighbour(cs[i]!);
    return cs.join('').normalize('NFC');
  },
  'no tone': (w) => w.normalize('NFD').replace(/[\u0300\u0301\u0303\u0309\u0323]/g, '').normalize('NFC'),
  'tone moved': (w) => {
    const d = [...w.normalize('NFD')];
    const t = d.findIndex((c) => TONES[c]);
    if (t < 0) return w;
    const [mark] = d.splice(t, 1);
    const vowels = d.map((c, i) => (/[aeiouy]/.test(c) ? i : -1)).filter((i) => i >= 0 && i !== t - 1);
    if (!vowels.length) return w;
    d.splice(pick(vowels) + 1, 0, mark!);
    return d.join('').normalize('NFC');
  },
  'run together': (w) => `${w}\u0000`,
};

function withTypos(question: string, count: number, kinds: string[]): string {
  const words = question.split(' ');
  for (let k = 0; k < count; k++) {
    const candidates = words.map((w, i) => ([...w].filter((c) => /\p{L}/u.test(c)).length >= 3 ? i : -1)).filter((i) => i >= 0);
    if (!candidates.length) break;
    const i = pick(candidates);
    words[i] = KINDS[pick(kinds)]!(words[i]!);
  }
  return words.join(' ').replace(/\u0000 ?/g, '');
}

const dir = path.dirname(new URL(import.meta.url).pathname);
interface Question { q: string; expect: string | string[] | null; style: string }
const questions = fs.readdirSync(dir).filter((f) => /^questions-.*\.yaml$/.test(f)).sort()
  .flatMap((f) => parse(fs.readFileSync(path.join(dir, f), 'utf8')) as Question[])
  .filter((q) => typeof q.expect === 'string' || Array.isArray(q.expect))
  .filter((q) => q.expect !== 'smalltalk' && q.expect !== 'unknown' && /[àáảãạăâèéẻẽẹêìíỉĩịòóỏõọôơùúủũụưỳýỷỹỵđ]/i.test(q.q));
const expected = (q: Question) => (Array.isArray(q.expect) ? q.expect : [q.expect as string]);

const config = loadConfig({ ...process.env, LOG_LEVEL: 'silent', DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'bdhvs-typos-')) });
const { answerer } = await createAnswerer(config, pino({ level: 'silent' }));
async function right(q: Question, text: string): Promise<{ ok: boolean; declined: boolean }> {
  const { result, hits } = await answerer.explain(text);
  return { ok: result.kind === 'answer' && expected(q).includes(hits[0]!.chunk.articleId), declined: result.kind !== 'answer' };
}

const clean: boolean[] = [];
for (const q of questions) clean.push((await right(q, q.q)).ok);
const pct = (a: number, n: number) => `${((100 * a) / n).toFixed(1)} %`.padStart(7);
console.log(`${questions.length} development questions typed with tone marks; as written: ${pct(clean.filter(Boolean).length, questions.length)} right\n`);
console.log(`${'typos'.padEnd(14)} ${TYPOS_PER_QUESTION.map((n) => `${n} per question (lost: refused / wrong)`.padEnd(40)).join('')}`);
for (const kind of [...Object.keys(KINDS), 'mixed']) {
  const cells: string[] = [];
  for (const n of TYPOS_PER_QUESTION) {
    seed = 1;
    let ok = 0;
    let refused = 0;
    let wrong = 0;
    for (const [i, q] of questions.entries()) {
      const r = await right(q, withTypos(q.q, n, kind === 'mixed' ? Object.keys(KINDS) : [kind]));
      if (r.ok) ok++;
      else if (clean[i]) r.declined ? refused++ : wrong++;
    }
    cells.push(`${pct(ok, questions.length)} (${refused} / ${wrong})`.padEnd(40));
  }
  console.log(`${kind.padEnd(14)} ${cells.join('')}`);
}
