import hnswlib from 'hnswlib-node';
import type { Analysed, Lexicon } from '../text/lexicon.js';
import type { Chunk } from './knowledge.js';
import { LexicalIndex, type QueryTerms } from './lexical.js';
import type { Embedder } from './embeddings.js';
import { buildVectors, DENSE_K, embedAll, HEADROOM, readVectors } from './vector-store.js';
import { PlaceMentions } from './place-mentions.js';
import { confidence, type ConfidenceFeatures } from './confidence.js';

export interface Hit {
  /** Position of the passage in the chunk list. */
  doc: number;
  chunk: Chunk;
  score: number;
  /** 0..1: how likely this passage answers the question (see confidence.ts). */
  confidence: number;
  features?: ConfidenceFeatures;
}

/** Stored vectors are reused only with the same format: bump it when reading text changes (text/vietnamese.ts). */
const FORMAT = 'hybrid-v4';
/**
 * How the signals mix (chosen by cross-validation on the sample questions, hiding a fifth of them at a time):
 * the samples together (profile) count most, then the passage's own text; a single sample keeps some weight so that
 * one staff add answers its question at once; a rare place the question names (an old commune) adds as much as the
 * best lexical match; words count more than vectors, whose local model knows little Vietnamese.
 */
const MIX = { passage: 0.5, sample: 0.2, profile: 0.6, place: 1, lexical: 0.7, dense: 0.3 };

const passageText = (c: Chunk) => `${c.title}. ${c.heading}. ${c.text}`;
const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

/**
 * Every passage and every sample question (citizens' wording of what the passage answers) as documents of
 * one BM25 index over accented and folded terms, and as vectors in HNSW. A passage scores by its own text
 * or by its best sample, whichever matches better. Vectors are persisted by content hash.
 */
export class HybridIndex {
  /** Passages (document i is chunk i). */
  private readonly passages = new LexicalIndex();
  /** Sample questions, in an index of their own so that their many short documents do not skew the passages' statistics. */
  private readonly samples = new LexicalIndex();
  /**
   * Each passage's sample questions together as one document: a described situation shares a word or two with
   * each of several samples, and only together do they outweigh a passage that shares the same few words by chance.
   * Rebuilt when staff add or take back a sample (rare, and a few milliseconds).
   */
  private profiles = new LexicalIndex();
  /** Each sample document's terms, for rebuilding the profiles. */
  private readonly sampleTermsByDoc: Analysed[] = [];
  /** Sample document -> its passage. */
  private readonly sampleChunk: number[] = [];
  private readonly chunkSamples: number[][];
  private readonly articleChunks = new Map<string, number[]>();
  /** Vector documents: passages first, then samples in the order added. */
  private readonly vectorChunk: number[] = [];
  private readonly chunkVectors: number[][];
  private readonly vectorsByDoc: Float32Array[] = [];
  /** Samples added while running -> their vector document; retired ones are skipped by lexical search. */
  private readonly sampleVector = new Map<number, number>();
  private readonly retired = new Set<number>();
  private lastQuery?: { question: string; terms: QueryTerms };
  private places = new PlaceMentions([], []);

  private constructor(
    private readonly chunks: Chunk[],
    private readonly lexicon: Lexicon,
    private readonly embedder: Embedder,
    private vectors: hnswlib.HierarchicalNSW,
    /** True when the vectors were read from disk instead of computed. */
    readonly reused: boolean,
  ) {
    this.chunkSamples = chunks.map(() => []);
    this.chunkVectors = chunks.map(() => []);
    chunks.forEach((c, i) => this.articleChunks.set(c.articleId, [...(this.articleChunks.get(c.articleId) ?? []), i]));
  }

  get embedderId(): string {
    return this.embedder.id;
  }

  /** `placeNames`: the province's units, whose passages a question naming one of them should find (see PlaceMentions). */
  static async open(chunks: Chunk[], knowledgeHash: string, embedder: Embedder, lexicon: Lexicon, dir?: string, placeNames: string[] = []): Promise<HybridIndex> {
    const texts = [...chunks.map(passageText), ...chunks.flatMap((c) => c.samples)];
    const hash = `${FORMAT}:${embedder.id}:${knowledgeHash}`;
    const stored = dir ? readVectors(dir, hash, texts.length) : undefined;
    const vectors = stored?.index ?? new hnswlib.HierarchicalNSW('cosine', 1);
    const index = new HybridIndex(chunks, lexicon, embedder, vectors, Boolean(stored));
    index.places = new PlaceMentions(placeNames, chunks);
    const embedded = stored?.embedded ?? (await embedAll(embedder, texts));
    if (!stored) index.vectors = buildVectors(embedded, dir, hash);
    chunks.forEach((c, i) => {
      index.passages.add(lexicon.analyse(`${c.title}\n${c.heading}`), lexicon.analyse(c.text));
      index.addVector(i, embedded[i]!);
    });
    let d = chunks.length;
    chunks.forEach((c, i) => {
      for (const s of c.samples) index.addSampleDoc(i, s, embedded[d++]!);
    });
    index.buildProfiles();
    return index;
  }

  /** A sample question added while running (the staff loop): searchable at once. Returns its handle for removal. */
  async addSample(chunkIndex: number, text: string): Promise<number> {
    const [v] = await this.embedder.embed([text]);
    const { sample, doc } = this.addSampleDoc(chunkIndex, text, v!);
    if (this.vectors.getCurrentCount() >= this.vectors.getMaxElements()) this.vectors.resizeIndex(this.vectors.getMaxElements() + HEADROOM);
    this.vectors.addPoint(v!, doc);
    this.sampleVector.set(sample, doc);
    this.buildProfiles();
    return sample;
  }

  /** Takes back a sample added while running (an undo in the staff loop). */
  removeSample(sample: number): void {
    const chunk = this.sampleChunk[sample];
    const doc = this.sampleVector.get(sample);
    if (chunk === undefined || doc === undefined) return;
    this.retired.add(sample);
    this.chunkSamples[chunk] = this.chunkSamples[chunk]!.filter((d) => d !== sample);
    this.chunkVectors[chunk] = this.chunkVectors[chunk]!.filter((d) => d !== doc);
    this.vectors.markDelete(doc);
    this.buildProfiles();
  }

  private buildProfiles(): void {
    this.profiles = new LexicalIndex();
    for (const docs of this.chunkSamples) {
      const terms = docs.map((d) => this.sampleTermsByDoc[d]!);
      this.profiles.add(undefined, { accented: terms.flatMap((t) => t.accented), folded: terms.flatMap((t) => t.folded) });
    }
  }

  /** Every section a sample question can be attached to. */
  sections(): { id: string; title: string; heading: string }[] {
    return this.chunks.map((c) => ({ id: c.id, title: c.title, heading: c.heading }));
  }

  /** The words of a message clause by clause, shorthand expanded. */
  clauses(text: string): string[][] {
    const clauses: string[][] = [];
    for (const w of this.lexicon.read(text).words) (clauses[w.clause] ??= []).push(w.folded);
    return clauses.filter(Boolean);
  }

  /**
   * The topic words of a question, spelling corrected, folded and sorted: two wordings with the same key
   * ("gia vang hom nay", "giá vàng hôm nay bao nhiêu") are the same question to staff.
   */
  topicWords(question: string): string[] {
    const words = this.queryOf(question).content.map((w) => w.folded);
    return [...new Set(words)].sort();
  }

  /** A word of no passage read as Telex or corrected within one edit ("mạgn" -> "mang"); undefined if neither. */
  spelling(folded: string): string | undefined {
    return this.passages.spelling(folded);
  }

  /** The passage index of a chunk id ("article#n"), if known. */
  chunkIndex(id: string): number | undefined {
    const i = this.chunks.findIndex((c) => c.id === id);
    return i < 0 ? undefined : i;
  }

  async search(question: string, k = 3): Promise<Hit[]> {
    const q = this.queryOf(question);
    // A failing embeddings service degrades search to lexical only; it never fails the answer.
    const qv = (await this.embedder.embed([question]).catch(() => []))[0];
    const pass = new Map(this.passages.search(q, 40).map((h) => [h.doc, h.score]));
    const samp = new Map<number, number>();
    for (const h of this.samples.search(q, 60)) {
      if (this.retired.has(h.doc)) continue;
      const c = this.sampleChunk[h.doc]!;
      samp.set(c, Math.max(samp.get(c) ?? 0, h.score));
    }
    const dense = new Map<number, number>();
    if (qv) {
      const r = this.vectors.searchKnn(qv, Math.min(DENSE_K, this.vectors.getCurrentCount()));
      r.neighbors.forEach((doc, i) => {
        const c = this.vectorChunk[doc]!;
        dense.set(c, Math.max(dense.get(c) ?? 0, 1 - r.distances[i]!));
      });
    }
    const prof = new Map(this.profiles.search(q, 40).map((h) => [h.doc, h.score]));
    const topP = Math.max(1e-9, ...pass.values());
    const topS = Math.max(1e-9, ...samp.values());
    const topF = Math.max(1e-9, ...prof.values());
    const lex = new Map<number, number>();
    for (const c of new Set([...pass.keys(), ...samp.keys()])) lex.set(c, MIX.passage * ((pass.get(c) ?? 0) / topP) + MIX.sample * ((samp.get(c) ?? 0) / topS) + MIX.profile * ((prof.get(c) ?? 0) / topF));
    this.places.boost(question, lex, MIX.place);
    const top = Math.max(1e-9, ...lex.values());
    const hits: Hit[] = [...new Set([...lex.keys(), ...dense.keys()])].map((c) => ({
      doc: c, chunk: this.chunks[c]!, confidence: 0, score: MIX.lexical * ((lex.get(c) ?? 0) / top) + MIX.dense * (dense.get(c) ?? 0),
    }));
    hits.sort((a, b) => b.score - a.score);
    const best = hits.slice(0, k);
    // Only the best few are judged: the answer is the first, and at most two more can join it.
    for (const h of best.slice(0, 3)) this.judge(h, q, qv, topP);
    // The judged few are ordered by how well each covers the question as well as by the search score: a passage that
    // shares the question's specific words ("mức 2", "nhận biết") beats one that only shares its question words.
    const judged = best.slice(0, 3).sort((a, b) => b.confidence + b.score - (a.confidence + a.score));
    return [...judged, ...best.slice(3)];
  }

  /**
   * The search terms of a question. The answerer asks for a question's topic words (staff's out-of-scope marks)
   * and then searches it: the last one is kept so that the work is done once. The passages never change after
   * opening, so the terms stay right.
   */
  private queryOf(question: string): QueryTerms {
    if (this.lastQuery?.question !== question) this.lastQuery = { question, terms: this.passages.query(this.lexicon.read(question)) };
    return this.lastQuery.terms;
  }

  /** Confidence features of one hit: how much of the question its passage (and article) covers, and how close it is. */
  private judge(h: Hit, q: QueryTerms, qv: number[] | undefined, bm25: number): void {
    const chunk = this.coverage(q, [h.doc]);
    // Judge the topic against the whole article too: a question may use words from its other sections.
    const article = this.coverage(q, this.articleChunks.get(h.chunk.articleId) ?? [h.doc]);
    const cos = (d: number) => (qv ? dot(qv, this.vectorsByDoc[d]!) : 0);
    const [own, ...samples] = this.chunkVectors[h.doc]!;
    h.features = {
      chunkWords: chunk.words, missing: chunk.missing, evidence: chunk.evidence, articleWords: article.words, articlePairs: article.pairs,
      cosine: cos(own!), sampleCosine: Math.max(0, ...samples.map(cos)), bm25, contentWords: q.content.length,
    };
    h.confidence = confidence(h.features);
  }

  /** Coverage of the question by passages and their sample questions. */
  private coverage(q: QueryTerms, chunks: number[]) {
    return this.passages.coverage(q, (term) => chunks.some((c) => this.passages.contains(term, c)
      || this.chunkSamples[c]!.some((d) => this.samples.contains(term, d))));
  }

  private sampleTerms(text: string): Analysed {
    const r = this.lexicon.read(text);
    const words = [...r.words, ...r.phrases.flatMap((p) => p.means.folded.map((f, i) => ({ folded: f, accented: p.means.accented[i]! })))];
    return { accented: words.map((w) => w.accented), folded: words.map((w) => w.folded) };
  }

  private addSampleDoc(chunkIndex: number, text: string, vector: number[]): { sample: number; doc: number } {
    const terms = this.sampleTerms(text);
    const sample = this.samples.add(undefined, terms);
    this.sampleTermsByDoc[sample] = terms;
    this.sampleChunk[sample] = chunkIndex;
    this.chunkSamples[chunkIndex]!.push(sample);
    return { sample, doc: this.addVector(chunkIndex, vector) };
  }

  private addVector(chunkIndex: number, vector: number[]): number {
    const doc = this.vectorChunk.length;
    this.vectorChunk.push(chunkIndex);
    this.chunkVectors[chunkIndex]!.push(doc);
    this.vectorsByDoc[doc] = Float32Array.from(vector);
    return doc;
  }
}
