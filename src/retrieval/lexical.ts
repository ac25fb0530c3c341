import { analyse, type Analysed } from '../text/vietnamese.js';

/**
 * Question words and particles: they carry no topic. Folded forms. Used to down-weight query
 * terms and to leave them out of the confidence measure.
 */
export const STOPWORDS = new Set((
  'la gi cua va co khong duoc nhung cac cho toi minh ban em anh chi oi a ah nhe nha thi voi nhu the nao sao lam ' +
  'bao nhieu khi o dau ai hay hoac nay do muon hoi can phai bi ve trong mot nen de ma thoi vay roi ra vao sau ' +
  'truoc tren duoi gium giup xin chao cam on biet cho hoi muon hoi dang se da tu den neu vi nhieu it moi tat ca ' +
  'duoc khong a u ha huh di lai len xuong day kia nao gio ngay hom'
).split(' '));

/** A topic word of the query, as typed and as matched. */
export interface ContentWord {
  folded: string;
  /** Tone-keyed form when the user typed marks (and no typo was corrected): then marks must match too. */
  accented?: string;
  corrected: boolean;
}

export interface QueryTerms {
  /** term -> query weight */
  weights: Map<string, number>;
  /** Topic words after spelling correction, for the confidence measure. */
  content: ContentWord[];
  /** Adjacent topic-word pairs, as index terms (`f2:` or `a2:`). */
  contentPairs: string[];
  hasMarks: boolean;
}

/** Terms of a text: folded and accented syllables and syllable bigrams, prefixed by kind. */
export function termsOf(a: Analysed): string[] {
  const out: string[] = [];
  for (let i = 0; i < a.folded.length; i++) {
    out.push(`f:${a.folded[i]}`, `a:${a.accented[i]}`);
    if (i > 0) out.push(`f2:${a.folded[i - 1]} ${a.folded[i]}`, `a2:${a.accented[i - 1]} ${a.accented[i]}`);
  }
  return out;
}

function deletions(w: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < w.length; i++) out.push(w.slice(0, i) + w.slice(i + 1));
  return out;
}

/** Optimal string alignment distance, capped: we only care whether it is <= 1. */
function withinOne(a: string, b: string): boolean {
  if (a === b) return true;
  if (Math.abs(a.length - b.length) > 1) return false;
  if (a.length === b.length) {
    const diff: number[] = [];
    for (let i = 0; i < a.length && diff.length <= 2; i++) if (a[i] !== b[i]) diff.push(i);
    if (diff.length === 1) return true;
    return diff.length === 2 && diff[1] === diff[0]! + 1 && a[diff[0]!] === b[diff[1]!] && a[diff[1]!] === b[diff[0]!];
  }
  const [s, l] = a.length < b.length ? [a, b] : [b, a];
  let i = 0;
  while (i < s.length && s[i] === l[i]) i++;
  return s.slice(i) === l.slice(i + 1);
}

/** BM25 over syllable and bigram terms, with typo correction of unknown syllables (edit distance 1). */
export class LexicalIndex {
  private postings = new Map<string, { docs: number[]; tfs: number[] }>();
  private docLen: number[] = [];
  private totalLen = 0;
  /** Deletion neighbourhood of the folded vocabulary, for typo correction. */
  private deletes = new Map<string, string[]>();
  private k1 = 1.2;
  private b = 0.75;

  get size(): number {
    return this.docLen.length;
  }

  /** Adds a document; `head` terms (title, heading) count twice. Returns its number. */
  add(head: string, body: string): number {
    const doc = this.docLen.length;
    const tf = new Map<string, number>();
    const headTerms = termsOf(analyse(head));
    for (const t of [...headTerms, ...headTerms, ...termsOf(analyse(body))]) tf.set(t, (tf.get(t) ?? 0) + 1);
    let len = 0;
    for (const [t, n] of tf) {
      let p = this.postings.get(t);
      if (!p) {
        p = { docs: [], tfs: [] };
        this.postings.set(t, p);
        if (t.startsWith('f:') && t.length >= 5) {
          for (const d of deletions(t.slice(2))) {
            const list = this.deletes.get(d);
            if (list) list.push(t.slice(2));
            else this.deletes.set(d, [t.slice(2)]);
          }
        }
      }
      p.docs.push(doc);
      p.tfs.push(n);
      len += n;
    }
    this.docLen.push(len);
    this.totalLen += len;
    return doc;
  }

  df(term: string): number {
    return this.postings.get(term)?.docs.length ?? 0;
  }

  idf(term: string): number {
    const n = this.size;
    const df = this.df(term);
    return Math.log(1 + (n - df + 0.5) / (df + 0.5));
  }

  /** Closest known syllable within one edit, most frequent first; undefined if none. */
  correct(word: string): string | undefined {
    // Short words and stopwords are too ambiguous to correct; a typo rarely changes the first letter.
    if (this.postings.has(`f:${word}`) || word.length < 4 || /\d/.test(word) || STOPWORDS.has(word)) return undefined;
    const candidates = new Set<string>();
    for (const c of this.deletes.get(word) ?? []) candidates.add(c);
    for (const d of deletions(word)) {
      if (this.postings.has(`f:${d}`) && d.length >= 2) candidates.add(d);
      for (const c of this.deletes.get(d) ?? []) candidates.add(c);
    }
    let best: string | undefined;
    for (const c of candidates) if (c[0] === word[0] && withinOne(word, c) && (!best || this.df(`f:${c}`) > this.df(`f:${best}`))) best = c;
    return best;
  }

  query(text: string): QueryTerms {
    const a = analyse(text);
    const hasMarks = a.folded.some((f, i) => f !== a.accented[i]);
    const folded = a.folded.map((w) => this.correct(w) ?? w);
    const weights = new Map<string, number>();
    const bump = (t: string, w: number) => weights.set(t, Math.max(weights.get(t) ?? 0, w));
    folded.forEach((w, i) => {
      const stop = STOPWORDS.has(w);
      bump(`f:${w}`, stop ? 0.2 : 1);
      // Accented terms sharpen the match only when the user typed marks (and no typo was fixed).
      if (hasMarks && w === a.folded[i]) bump(`a:${a.accented[i]}`, stop ? 0.1 : 0.5);
      if (i > 0) {
        const prevStop = STOPWORDS.has(folded[i - 1]!);
        bump(`f2:${folded[i - 1]} ${w}`, stop && prevStop ? 0.2 : 1);
        if (hasMarks) bump(`a2:${a.accented[i - 1]} ${a.accented[i]}`, stop && prevStop ? 0.1 : 0.5);
      }
    });
    const content: ContentWord[] = [];
    const contentPairs: string[] = [];
    folded.forEach((w, i) => {
      if (STOPWORDS.has(w) || w.length < 2) return;
      const corrected = w !== a.folded[i];
      const marked = hasMarks && !corrected && a.accented[i] !== w;
      if (!content.some((c) => c.folded === w)) content.push({ folded: w, accented: marked ? a.accented[i] : undefined, corrected });
      const prev = folded[i - 1];
      if (prev !== undefined && !STOPWORDS.has(prev)) {
        contentPairs.push(hasMarks && !corrected && prev === a.folded[i - 1] ? `a2:${a.accented[i - 1]} ${a.accented[i]}` : `f2:${prev} ${w}`);
      }
    });
    return { weights, content, contentPairs: [...new Set(contentPairs)], hasMarks };
  }

  /** Whether the document has the term; postings are in document order, so binary search. */
  private contains(term: string, doc: number): boolean {
    const docs = this.postings.get(term)?.docs;
    if (!docs) return false;
    let lo = 0;
    let hi = docs.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (docs[mid] === doc) return true;
      if (docs[mid]! < doc) lo = mid + 1;
      else hi = mid - 1;
    }
    return false;
  }

  private acc = new Float64Array(0);

  /** Top documents by BM25 for the query terms. */
  search(q: QueryTerms, limit: number): { doc: number; score: number }[] {
    const avg = this.totalLen / Math.max(1, this.size);
    if (this.acc.length < this.size) this.acc = new Float64Array(this.size * 2);
    const acc = this.acc;
    const touched: number[] = [];
    for (const [term, weight] of q.weights) {
      const p = this.postings.get(term);
      if (!p) continue;
      const idf = this.idf(term) * weight;
      const { docs, tfs } = p;
      for (let i = 0; i < docs.length; i++) {
        const d = docs[i]!;
        const tf = tfs[i]!;
        if (acc[d] === 0) touched.push(d);
        acc[d]! += (idf * tf * (this.k1 + 1)) / (tf + this.k1 * (1 - this.b + (this.b * this.docLen[d]!) / avg));
      }
    }
    // Partial selection: keep the best `limit` without sorting every touched document.
    const top: { doc: number; score: number }[] = [];
    for (const d of touched) {
      const score = acc[d]!;
      acc[d] = 0;
      if (top.length === limit && score <= top[limit - 1]!.score) continue;
      let i = Math.min(top.length, limit - 1);
      top[i] = { doc: d, score };
      while (i > 0 && top[i - 1]!.score < score) {
        [top[i - 1], top[i]] = [top[i]!, top[i - 1]!];
        i--;
      }
    }
    return top;
  }

  /**
   * Share of the query's topic words (idf-weighted) and topic word pairs found in the document:
   * an off-topic question matches a few common words of the knowledge base, not its substance.
   */
  coverage(q: QueryTerms, docs: number[]): { words: number; pairs: number } {
    const has = (term: string) => docs.some((d) => this.contains(term, d));
    let have = 0;
    let all = 0;
    for (const w of q.content) {
      const idf = this.postings.has(`f:${w.folded}`) ? this.idf(`f:${w.folded}`) : Math.log(1 + this.size);
      all += idf;
      if (!has(`f:${w.folded}`)) continue;
      // "giá" typed with marks is not matched by "tham gia"; a corrected typo is weaker evidence.
      if (w.accented) have += has(`a:${w.accented}`) ? idf : 0.2 * idf;
      else have += w.corrected ? 0.7 * idf : idf;
    }
    const pairsHave = q.contentPairs.filter(has).length;
    return { words: all ? have / all : 0, pairs: q.contentPairs.length ? pairsHave / q.contentPairs.length : 1 };
  }
}
