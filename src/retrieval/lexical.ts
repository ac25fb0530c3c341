import type { Analysed, Reading, Word } from '../text/lexicon.js';
import { Speller, telexMarked } from './speller.js';
import { isStopword, STOPWORDS } from './stopwords.js';

/** A topic word of the query, as typed and as matched. */
export interface ContentWord {
  folded: string;
  clause: number;
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
  /** Everyday phrases found: the typed words they cover, and the knowledge base's words for them (folded). */
  phrases: { say: Set<string>; means: string[] }[];
  hasMarks: boolean;
}

/** How much a word of each role counts in the search (question words count little; see STOPWORDS). */
const ROLE_WEIGHT = { content: 1, context: 0.3, filler: 0.05 } as const;
const PHRASE_WEIGHT = 0.7;

/** Terms of a text: folded and accented syllables and syllable bigrams, prefixed by kind. */
export function termsOf(a: Analysed): string[] {
  const out: string[] = [];
  for (let i = 0; i < a.folded.length; i++) {
    out.push(`f:${a.folded[i]}`, `a:${a.accented[i]}`);
    if (i > 0) out.push(`f2:${a.folded[i - 1]} ${a.folded[i]}`, `a2:${a.accented[i - 1]} ${a.accented[i]}`);
  }
  return out;
}

/** How well documents cover a question's topic words: shares, the rarest word missing, and the evidence found. */
export interface Coverage {
  /** Idf-weighted share of topic words found. */
  words: number;
  /** Share of adjacent topic-word pairs found. */
  pairs: number;
  /** The rarest topic word missing (idf, 0..1). */
  missing: number;
  /** Sum of the found words' idf (in units of the largest idf): rare words found are strong evidence. */
  evidence: number;
}

interface QueryWord extends Word {
  /** Changed by spelling correction or splitting: weaker evidence, and its marks no longer apply. */
  corrected: boolean;
}

/** A pair counts as filler if either word is filler, else as much as its stronger word, but at least as a question word. */
function pairWeight(a: number, b: number): number {
  if (Math.min(a, b) === ROLE_WEIGHT.filler) return ROLE_WEIGHT.filler;
  return Math.max(a, b, 0.2);
}

/** A word that names the topic: content (not filler or context), not a question word; numbers count ("mức 2"). */
const isTopic = (w: QueryWord) => w.role === 'content' && !isStopword(w) && (w.folded.length >= 2 || /\d/.test(w.folded));

/** BM25 over syllable and bigram terms, with typo correction of unknown syllables (edit distance 1). */
export class LexicalIndex {
  private postings = new Map<string, { docs: number[]; tfs: number[] }>();
  private docLen: number[] = [];
  private totalLen = 0;
  /** Typo correction over the folded vocabulary, most frequent first. */
  private readonly speller = new Speller((word) => this.df(`f:${word}`));
  private k1 = 1.2;
  private b = 0.75;

  get size(): number {
    return this.docLen.length;
  }

  /** Adds a document; `head` terms (title, heading) count twice. Returns its number. */
  add(head: Analysed | undefined, body: Analysed): number {
    const doc = this.docLen.length;
    const tf = new Map<string, number>();
    const headTerms = head ? termsOf(head) : [];
    for (const t of [...headTerms, ...headTerms, ...termsOf(body)]) tf.set(t, (tf.get(t) ?? 0) + 1);
    let len = 0;
    for (const [t, n] of tf) {
      let p = this.postings.get(t);
      if (!p) {
        p = { docs: [], tfs: [] };
        this.postings.set(t, p);
        if (t.startsWith('f:')) this.speller.add(t.slice(2));
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

  /** A word read as Telex ("muwcs" -> "muc") or corrected within one edit; undefined if known or neither helps. */
  spelling(folded: string): string | undefined {
    return this.speller.telex(folded) ?? this.speller.correct(folded);
  }

  /** The search terms of a question read by the lexicon: corrected, split, weighted by role, with its phrases. */
  query(reading: Reading): QueryTerms {
    const words = this.spellChecked(reading.words);
    const hasMarks = words.some((w) => w.folded !== w.accented);
    const weights = new Map<string, number>();
    const bump = (t: string, w: number) => weights.set(t, Math.max(weights.get(t) ?? 0, w));
    const weightOf = (w: QueryWord) => (isStopword(w) ? Math.min(0.2, ROLE_WEIGHT[w.role]) : ROLE_WEIGHT[w.role]);
    words.forEach((w, i) => {
      const weight = weightOf(w);
      bump(`f:${w.folded}`, weight);
      // Accented terms sharpen the match only when the user typed marks (and no typo was fixed).
      if (hasMarks && !w.corrected) bump(`a:${w.accented}`, weight / 2);
      const prev = words[i - 1];
      if (!prev) return;
      const pair = pairWeight(weight, weightOf(prev));
      bump(`f2:${prev.folded} ${w.folded}`, pair);
      if (hasMarks && !w.corrected && !prev.corrected) bump(`a2:${prev.accented} ${w.accented}`, pair / 2);
    });
    for (const p of reading.phrases) {
      p.means.folded.forEach((f, i) => {
        bump(`f:${f}`, STOPWORDS.has(f) ? 0.1 : PHRASE_WEIGHT);
        if (i > 0) bump(`f2:${p.means.folded[i - 1]} ${f}`, PHRASE_WEIGHT);
      });
    }
    const content: ContentWord[] = [];
    const contentPairs: string[] = [];
    words.forEach((w, i) => {
      if (!isTopic(w)) return;
      const marked = hasMarks && !w.corrected && w.accented !== w.folded;
      if (!content.some((c) => c.folded === w.folded)) content.push({ folded: w.folded, clause: w.clause, accented: marked ? w.accented : undefined, corrected: w.corrected });
      const prev = words[i - 1];
      if (prev && isTopic(prev)) contentPairs.push(marked && !prev.corrected ? `a2:${prev.accented} ${w.accented}` : `f2:${prev.folded} ${w.folded}`);
    });
    const phrases = reading.phrases.map((p) => ({ say: new Set(p.say), means: p.means.folded.filter((f) => !STOPWORDS.has(f)) }));
    return { weights, content, contentPairs: [...new Set(contentPairs)], phrases, hasMarks };
  }

  /**
   * Unknown words read as Telex when that spells a known word (not a typo: the marks are typed too), else split into
   * known syllables, else corrected within one edit; marks kept only for words left as typed.
   */
  private spellChecked(words: Word[]): QueryWord[] {
    return words.flatMap((w): QueryWord[] => {
      if (w.role === 'filler') return [{ ...w, corrected: false }];
      const telex = this.speller.telex(w.folded);
      if (telex) return [{ ...w, folded: telex, accented: telexMarked(w.accented), corrected: false }];
      const pieces = this.speller.split(w.folded);
      if (pieces) return pieces.map((p) => ({ folded: p, accented: p, role: w.role, clause: w.clause, corrected: true }));
      const fixed = this.speller.correct(w.folded);
      return [fixed ? { folded: fixed, accented: fixed, role: w.role, clause: w.clause, corrected: true } : { ...w, corrected: false }];
    });
  }

  /** Whether the document has the term; postings are in document order, so binary search. */
  contains(term: string, doc: number): boolean {
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
      // Question words and filler found in a tenth of the documents move no ranking, but cost the most to add up.
      if (!p || (weight <= 0.2 && p.docs.length * 10 > this.size)) continue;
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
  coverage(q: QueryTerms, has: (term: string) => boolean): Coverage {
    // A phrase is understood when most of the knowledge base's words for it are there; its typed words then count as found.
    const understood = q.phrases.filter((p) => p.means.length && p.means.filter((f) => has(`f:${f}`)).length >= p.means.length / 2);
    let missing = 0;
    const maxIdf = Math.log(1 + this.size);
    // Found weight and total weight, over the whole message and over its last clause with topic words (the question itself).
    const last = Math.max(-1, ...q.content.map((w) => w.clause));
    const sums = { have: 0, all: 0, lastHave: 0, lastAll: 0 };
    for (const w of q.content) {
      const idf = this.postings.has(`f:${w.folded}`) ? this.idf(`f:${w.folded}`) : maxIdf;
      const found = this.found(w, idf, has, understood);
      if (!found) missing = Math.max(missing, idf / maxIdf);
      sums.all += idf;
      sums.have += found;
      if (w.clause === last) { sums.lastAll += idf; sums.lastHave += found; }
    }
    const share = (h: number, a: number) => (a ? h / a : 0);
    const pairsHave = q.contentPairs.filter(has).length;
    return {
      words: Math.max(share(sums.have, sums.all), share(sums.lastHave, sums.lastAll)),
      pairs: q.contentPairs.length ? pairsHave / q.contentPairs.length : 1, missing, evidence: sums.have / maxIdf,
    };
  }

  /** The weight a topic word earns in the documents: full if found (or understood through a phrase), partial for weak matches. */
  private found(w: ContentWord, idf: number, has: (term: string) => boolean, understood: { say: Set<string> }[]): number {
    if (understood.some((p) => p.say.has(w.folded))) return idf;
    if (!has(`f:${w.folded}`)) return 0;
    // "giá" typed with marks is not matched by "tham gia"; but marks that spell no known word are a typo, not a meaning.
    if (w.accented && this.postings.has(`a:${w.accented}`)) return has(`a:${w.accented}`) ? idf : 0.2 * idf;
    return w.corrected ? 0.7 * idf : idf;
  }
}
