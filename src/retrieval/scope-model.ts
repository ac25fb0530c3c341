import path from 'node:path';
import { z } from 'zod';
import { readYamlFile } from '../content/yaml-file.js';
import type { Lexicon } from '../text/lexicon.js';
import { fold, toneKey } from '../text/vietnamese.js';
import type { Chunk } from './knowledge.js';
import { isStopword } from './stopwords.js';

/**
 * Whether a message is about what the bot covers at all, learned from examples: the knowledge base's sample
 * questions and headings (in scope) against knowledge/out-of-scope-examples.yaml and the questions staff mark out
 * of scope (out). A naive Bayes model over topic words and word pairs: patterns catch the requests someone thought
 * of; this catches the ones that merely resemble them ("bò nhà tôi bỏ ăn", "giá ngô hôm nay").
 */
export class ScopeModel {
  private readonly counts = { in: new Map<string, number>(), out: new Map<string, number>() };
  private readonly totals = { in: 0, out: 0 };
  private readonly vocabulary = new Set<string>();

  /** Place names (folded words) the features leave out: where someone lives says nothing about what they ask. */
  private readonly places: string[][];

  constructor(private readonly lexicon: Lexicon, placeNames: string[] = []) {
    this.places = placeNames.map((p) => this.lexicon.words(p).map((w) => fold(w))).filter((p) => p.length >= 2);
  }

  /** In scope: every section's heading and sample questions; out: the examples file and the decline patterns. */
  static load(knowledgeDir: string, lexicon: Lexicon, chunks: Chunk[], declinePatterns: string[], placeNames: string[] = []): ScopeModel {
    const model = new ScopeModel(lexicon, placeNames);
    for (const c of chunks) for (const t of [c.heading, ...c.samples]) model.add(t, 'in');
    const examples = readYamlFile(path.join(knowledgeDir, 'out-of-scope-examples.yaml'), z.array(z.string().trim().min(1)).min(1));
    for (const t of [...examples, ...declinePatterns]) model.add(t, 'out');
    return model;
  }

  add(text: string, side: 'in' | 'out', times = 1): void {
    for (const f of this.features(text)) {
      this.counts[side].set(f, (this.counts[side].get(f) ?? 0) + times);
      this.totals[side] += times;
      this.vocabulary.add(f);
    }
  }

  remove(text: string, side: 'in' | 'out'): void {
    this.add(text, side, -1);
  }

  /**
   * Log-odds that the message is out of scope, from the words both sides have seen (equal priors: the two sets'
   * sizes say nothing about what people ask). 0 when no word is known.
   */
  outOdds(text: string): number {
    const vocabulary = this.vocabulary.size || 1;
    let odds = 0;
    for (const f of this.features(text)) {
      const cin = this.counts.in.get(f) ?? 0;
      const cout = this.counts.out.get(f) ?? 0;
      if (cin + cout <= 0) continue;
      odds += Math.log((cout + SMOOTHING) / (this.totals.out + SMOOTHING * vocabulary)) - Math.log((cin + SMOOTHING) / (this.totals.in + SMOOTHING * vocabulary));
    }
    return odds;
  }

  /** Topic words (folded, and as marked when typed with tone marks: "lúa" is not "lừa") and neighbouring pairs. */
  private features(text: string): Set<string> {
    const all = this.lexicon.words(text).map((w) => ({ folded: fold(w), accented: toneKey(w) }));
    const words = this.withoutPlaces(all).filter((w) => !isStopword(w));
    const out = new Set<string>();
    words.forEach((w, i) => {
      out.add(w.folded);
      if (w.accented !== w.folded) out.add(`'${w.accented}`);
      if (i > 0) out.add(`${words[i - 1]!.folded}_${w.folded}`);
    });
    return out;
  }

  private withoutPlaces<W extends { folded: string }>(words: W[]): W[] {
    const kept: W[] = [];
    for (let i = 0; i < words.length; i++) {
      const place = this.places.find((p) => p.every((w, j) => words[i + j]?.folded === w));
      if (place) i += place.length - 1;
      else kept.push(words[i]!);
    }
    return kept;
  }
}

/** Laplace smoothing of word counts. */
const SMOOTHING = 0.5;
