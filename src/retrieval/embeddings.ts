import { OpenAIEmbeddings } from '@langchain/openai';
import type { Analysed } from '../text/lexicon.js';

/** Turns texts into unit-length vectors for the dense index. */
export interface Embedder {
  /** Identifies the model; part of the index hash, so a model change rebuilds the index. */
  readonly id: string;
  readonly dimensions: number;
  embed(texts: string[]): Promise<number[][]>;
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Offline embedding: signed feature hashing of folded syllables, syllable pairs and character
 * trigrams. No download, no key; the trigrams make it forgiving of typos and missing marks.
 */
export class HashingEmbedder implements Embedder {
  readonly id: string;
  constructor(private lexicon: { analyse(text: string): Analysed }, readonly dimensions = 512) {
    this.id = `hashing-v2-${dimensions}`;
  }

  embedOne(text: string): number[] {
    const v = new Float64Array(this.dimensions);
    const add = (feature: string, weight: number) => {
      const h = fnv1a(feature);
      v[h % this.dimensions]! += (h & 0x80000000 ? -1 : 1) * weight;
    };
    const words = this.lexicon.analyse(text).folded;
    words.forEach((w, i) => {
      add(`w:${w}`, 1);
      if (i > 0) add(`b:${words[i - 1]} ${w}`, 1);
      const padded = `#${w}#`;
      for (let j = 0; j + 3 <= padded.length; j++) add(`c:${padded.slice(j, j + 3)}`, 0.35);
    });
    let norm = 0;
    for (const x of v) norm += x * x;
    norm = Math.sqrt(norm) || 1;
    return Array.from(v, (x) => x / norm);
  }

  async embed(texts: string[]): Promise<number[][]> {
    return texts.map((t) => this.embedOne(t));
  }
}

/** Any OpenAI-compatible embeddings endpoint, through @langchain/openai. */
export class OpenAIEmbedder implements Embedder {
  readonly id: string;
  private client: OpenAIEmbeddings;
  dimensions = 0;

  constructor(opts: { apiKey: string; baseURL?: string; model: string; timeoutMs: number }) {
    this.id = `openai:${opts.baseURL ?? 'default'}:${opts.model}`;
    this.client = new OpenAIEmbeddings({
      apiKey: opts.apiKey, model: opts.model, timeout: opts.timeoutMs, maxRetries: 2,
      configuration: opts.baseURL ? { baseURL: opts.baseURL } : undefined,
    });
  }

  async embed(texts: string[]): Promise<number[][]> {
    const out = await this.client.embedDocuments(texts);
    this.dimensions = out[0]?.length ?? this.dimensions;
    return out.map((v) => {
      const n = Math.sqrt(v.reduce((s, x) => s + x * x, 0)) || 1;
      return v.map((x) => x / n);
    });
  }
}
