import { canonical, expandedWords, fold } from '../text/vietnamese.js';

/**
 * A message read for phrase matching: every word folded (no tone marks, đ → d) with teencode expanded
 * ("ko" → "khong", "ck" → "chuyen khoan"); numbers and phone numbers as one word each ("3.500.000đ" → "3500000d",
 * "0865.xxx.xxx" → "0865xxxxxx") and app stores ("App Store" → "appstore"); a known official hotline as the word `hotline`; links as `url` (or `urlok` for an
 * official or state site); commas as `,` and sentence ends (. ! ? ; : line break) as `|`. Each word remembers
 * where it came from, so a match is quoted in the person's own words.
 */
export interface Stream {
  /** Folded words and marks, single-spaced, with a space at both ends. */
  text: string;
  /** For each character of `text`, the index of the source token it came from (-1 for spaces and marks). */
  tokenAt: Int32Array;
  /** Source tokens: start and end offsets in the original text. */
  spans: [number, number][];
  /** Where each source token starts in `text`. */
  starts: number[];
  /** The original text, NFC. */
  source: string;
}

/** A link in the message to read as one word. */
export interface LinkSpan {
  span: [number, number];
  trusted: boolean;
}

/** A link as written (the stream sees it as one word). */
export const URL_RE = /\b(?:https?:\/\/)?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{1,23}(?::\d{2,5})?(?:\/[^\s"'<>()\][]*)?/giu;
// Phone numbers (masked ones too), numbers with thousands separators, words, and the marks that end a clause.
const TOKEN_RE = /\b(?:app ?store|ch ?play|google ?play)\b|(?:\+84|\b0)[\dx]{2,4}(?:[ .-]?[\dx]{2,4}){2,4}\b|\b1[89]00[ .]?[\dx]{3,4}(?:[ .]?[\dx]{2,4})?\b|\d+(?:[.,]\d{3})+(?:[.,]\d+)?[\p{L}]*|[\p{L}\p{M}\p{N}]+|[,.!?;:\n]/gu;

export interface StreamOptions {
  links?: readonly LinkSpan[];
  /** Official hotlines (digits only): calling them is what people should do, not a signal. */
  hotlines?: ReadonlySet<string>;
}

/** Reads a message into a stream. */
export function readStream(raw: string, o: StreamOptions = {}): Stream {
  const source = raw.normalize('NFC');
  const lower = canonical(source);
  const links = o.links ?? [];
  const parts: string[] = [' '];
  const owners: number[] = [-1];
  const spans: [number, number][] = [];
  const starts: number[] = [];
  let at = 1;
  const push = (word: string, token: number) => {
    if (token >= 0 && starts.length === token) starts.push(at);
    parts.push(word, ' ');
    for (let i = 0; i < word.length; i++) owners.push(token);
    owners.push(-1);
    at += word.length + 1;
  };
  const token = (start: number, end: number) => (spans.push([start, end]), spans.length - 1);
  let li = 0;
  for (const m of lower.matchAll(TOKEN_RE)) {
    const start = m.index;
    const w = m[0];
    while (li < links.length && links[li]!.span[1] <= start) li++;
    const link = links[li];
    if (link && start >= link.span[0] && start < link.span[1]) {
      // The whole link is one word; its other tokens are skipped.
      if (!spans.length || spans[spans.length - 1]![0] !== link.span[0]) push(link.trusted ? 'urlok' : 'url', token(link.span[0], link.span[1]));
      continue;
    }
    // "09:15", "3.5": a mark between digits belongs to the number.
    if (/^[,.:]$/.test(w) && /\d/.test(lower[start - 1] ?? '') && /\d/.test(lower[start + 1] ?? '')) continue;
    if (w === ',') { push(',', -1); continue; }
    if (/^[.!?;:\n]$/.test(w)) { push('|', -1); continue; }
    if (/^(?:\+84|0|1[89]00)[\dx]/.test(w) && /[ .-]|x/.test(w) || /^\d+(?:[.,]\d{3})+/.test(w) || /^1[89]00/.test(w)) {
      const digits = w.replace(/[ .,-]/g, '');
      push(o.hotlines?.has(digits) ? 'hotline' : fold(digits), token(start, start + w.length));
      continue;
    }
    const t = token(start, start + w.length);
    // The official app stores are one word each ("App Store" is not "ứng dụng" + "store").
    if (/^(app ?store|ch ?play|google ?play)$/.test(w)) { push(w.replace(/ /g, ''), t); continue; }
    if (/^\d+$/.test(w) && o.hotlines?.has(w)) { push('hotline', t); continue; }
    for (const e of expandedWords(w)) push(fold(e), t);
  }
  const text = parts.join('');
  return { text, tokenAt: Int32Array.from(owners.slice(0, text.length)), spans, starts, source };
}

/**
 * Compiles a phrase written without tone marks into a pattern over a stream: words match whole words,
 * `*` is up to five other words of the same sentence, `#` is a word with a digit, `$` an amount of money
 * ("500k", "3.500.000đ", "15 triệu"), `(a|b c)` is either.
 */
export function compilePhrase(phrase: string): RegExp {
  const tokens = phrase.trim().toLowerCase().match(/\(|\)|\||\*|#|\$|[a-z0-9đ]+/g) ?? [];
  let out = '';
  let depth = 0;
  for (const t of tokens) {
    if (t === '(') { out += '(?:'; depth++; } else if (t === ')') { out += ')'; depth--; } else if (t === '|') out += '|';
    else if (t === '*') out += '(?:(?:[a-z0-9]+|,) ){0,5}';
    else if (t === '#') out += '[a-z]*\\d[a-z0-9]* ';
    else if (t === '$') out += '(?:\\d+(?:d|vnd|k|tr|trieu|ty|dong) |\\d+ (?:trieu|nghin|ngan|dong|vnd|d|ty|k) )';
    else out += `${t.replace(/đ/g, 'd')} `;
  }
  if (depth !== 0) throw new Error('unbalanced parentheses');
  return new RegExp(` ${out}`, 'g');
}

/** What turns a phrase into a warning instead of a request. */
export interface Negations {
  /** Negation words, folded ("khong", "dung", "chang"): "không", "đừng" typed with marks, or any of them typed without. */
  words: ReadonlySet<string>;
  /** The same words with their marks ("không", "đừng"): a marked word counts only in this form ("dụng" is not "đừng"). */
  marked: ReadonlySet<string>;
  /** Folded word pairs that hold a negation word without negating ("ung dung", "neu khong"): typed without marks, they are not negations. */
  not: ReadonlySet<string>;
  /** Words that make a whole sentence a warning about scams ("thủ đoạn", "giả mạo", "là lừa đảo"). */
  warnings: readonly RegExp[];
  /** Words after which a negation no longer reaches ("không có là bị cắt", "không nộp thì bị khởi tố"), as `words` and `marked`. */
  barriers: MarkedWords;
  /** Words that tell a payment as done: just before it ("đã", "vừa"), or closing its part ("… vào tài khoản bố rồi nhé"). */
  doneBefore: MarkedWords;
  doneAfter: MarkedWords;
}

/** Words written with their marks: typed with marks they count only in this form, typed without, folded. */
export interface MarkedWords {
  words: ReadonlySet<string>;
  marked: ReadonlySet<string>;
}

export interface PhraseHit {
  /** The person's words that matched. */
  quote: string;
  /** Where they are in the original text. */
  span: [number, number];
  /** Offset in the stream's text, and where the match ends there. */
  at: number;
  end: number;
}

/** Where a compiled phrase matches, quoted from the original, leaving out the negated and the warned-about. */
export function findPhrase(stream: Stream, re: RegExp, negations?: Negations): PhraseHit[] {
  const hits: PhraseHit[] = [];
  re.lastIndex = 0;
  for (let m = re.exec(stream.text); m; m = re.exec(stream.text)) {
    const start = m.index + 1;
    const end = m.index + m[0].length - 1;
    if (!negations || !isNegated(stream, start, negations)) hits.push({ ...quoteOf(stream, start, end), at: start, end });
    // The next match may start at this one's closing space.
    re.lastIndex = end;
  }
  return hits;
}

/** Where in the stream the source offset falls (for matches made on the original text). */
export function streamOffset(stream: Stream, sourceOffset: number): number {
  const i = stream.spans.findIndex(([, end]) => end > sourceOffset);
  return i < 0 ? stream.text.length - 1 : stream.starts[i]!;
}

const NEGATION_REACH = 8;

/**
 * A match is negated when a negation stands before it in the same comma-separated part, at most eight words
 * back (a "hay"/"hoặc" carries the negation on: "không gọi điện yêu cầu chuyển tiền ... hay cài ứng dụng lạ"),
 * or when its sentence warns about scams.
 */
export function isNegated(stream: Stream, at: number, n: Negations): boolean {
  const { text } = stream;
  const sentenceStart = text.lastIndexOf('|', at) + 1;
  const nextEnd = text.indexOf('|', at);
  const sentence = ` ${text.slice(sentenceStart, nextEnd < 0 ? text.length : nextEnd).trim()} `;
  if (n.warnings.some((w) => w.test(sentence))) return true;
  const partStart = Math.max(sentenceStart, text.lastIndexOf(',', at) + 1);
  const words = partWords(stream, partStart, at);
  // "không có là bị cắt": past "thì", "là" the negation's condition is over, the rest is its consequence.
  let barrier = 0;
  for (let i = words.length - 1; i >= 0; i--) if (typedAs(stream, words[i]!, n.barriers)) { barrier = i + 1; break; }
  let from = words.length;
  for (let i = words.length - 1; i >= barrier && words.length - i <= NEGATION_REACH; i--) {
    // "không ... tài khoản cá nhân hay cài ứng dụng lạ": the negation carries over "hay", "hoặc" to the start of the part.
    if (words[i]!.w === 'hay' || words[i]!.w === 'hoac') { from = barrier; break; }
    from = i;
  }
  for (let i = Math.max(0, from); i < words.length; i++) {
    const { w } = words[i]!;
    if (n.not.has(`${words[i - 1]?.w} ${w}`) || n.not.has(`${w} ${words[i + 1]?.w}`)) continue;
    if (typedAs(stream, words[i]!, n)) return true;
  }
  return false;
}

/**
 * A payment told as done, not asked for: "đã" or "vừa" at most two words before it, or "rồi" closing its part with at
 * most one word after ("con chuyển 3 triệu vào tài khoản bố rồi nhé"). A "rồi" followed by more is "then".
 */
export function isDone(stream: Stream, at: number, end: number, n: Negations): boolean {
  const { text } = stream;
  const partStart = Math.max(text.lastIndexOf('|', at), text.lastIndexOf(',', at)) + 1;
  const before = partWords(stream, partStart, at).slice(-2);
  if (before.some((w) => typedAs(stream, w, n.doneBefore))) return true;
  const ends = [text.indexOf('|', end), text.indexOf(',', end), text.length].filter((x) => x >= 0);
  const after = partWords(stream, end, Math.min(...ends));
  const i = after.findIndex((w) => typedAs(stream, w, n.doneAfter));
  return i >= 0 && after.length - i <= 2;
}

interface PartWord { w: string; token: number }

function partWords(stream: Stream, from: number, to: number): PartWord[] {
  return [...stream.text.slice(from, to).matchAll(/\S+/g)].map((m) => ({ w: m[0], token: stream.tokenAt[from + m.index]! }));
}

/** Whether a word of the stream is one of the words, as typed: with marks exactly, or without marks at all. */
function typedAs(stream: Stream, { w, token }: PartWord, list: MarkedWords): boolean {
  if (!list.words.has(w)) return false;
  const typed = token >= 0 ? canonical(stream.source.slice(stream.spans[token]![0], stream.spans[token]![1])) : w;
  return fold(typed) === typed || list.marked.has(typed);
}

function quoteOf(stream: Stream, start: number, end: number): { quote: string; span: [number, number] } {
  let first = -1;
  let last = -1;
  for (let i = start; i < end; i++) {
    const t = stream.tokenAt[i]!;
    if (t < 0) continue;
    if (first < 0) first = t;
    last = t;
  }
  if (first < 0) return { quote: '', span: [0, 0] };
  const span: [number, number] = [stream.spans[first]![0], stream.spans[last]![1]];
  return { quote: stream.source.slice(span[0], span[1]), span };
}

/** A warning phrase (folded) as a pattern found anywhere in a sentence of folded words. */
export function compileCue(phrase: string): RegExp {
  return new RegExp(` ${fold(phrase).trim().split(/\s+/).join(' ')} `);
}
