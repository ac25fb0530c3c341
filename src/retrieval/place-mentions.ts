import { fold } from '../text/vietnamese.js';
import type { Chunk } from './knowledge.js';

/** A place named in this many passages or fewer is specific enough to point at them ("Pa Vệ Sử", not "Lai Châu"). */
const RARE = 3;
/** A passage naming this many places is a list of addresses (which old commune is now in which unit). */
const LIST = 5;

const words = (text: string) => ` ${fold(text).replace(/[^a-z0-9đ]+/g, ' ').trim()} `;

/**
 * The passages that name a place a question names. A place's syllables are common words on their own ("vệ", "sử",
 * "hồ"): only the whole name is specific, and word-by-word search cannot see it, so the old commune someone lives
 * in would not find the passage that lists it. Only used to choose between address lists: "quê Tân Uyên" in a
 * question about Wi-Fi must not pull it to the list of Tân Uyên's communes.
 */
export class PlaceMentions {
  private readonly byPlace = new Map<string, number[]>();
  private readonly lists = new Set<number>();

  constructor(placeNames: string[], chunks: Chunk[]) {
    const texts = chunks.map((c) => words(`${c.heading}\n${c.text}`));
    const named = chunks.map(() => 0);
    for (const name of new Set(placeNames.map(words))) {
      if (name.trim().split(' ').length < 2) continue;
      const found = texts.flatMap((t, i) => (t.includes(name) ? [i] : []));
      for (const i of found) named[i]!++;
      if (found.length && found.length <= RARE) this.byPlace.set(name, found);
    }
    named.forEach((n, i) => n >= LIST && this.lists.add(i));
  }

  /** Whether a passage is a list of addresses. */
  isList(chunk: number): boolean {
    return this.lists.has(chunk);
  }

  /** Adds `bonus` to the passages naming a place the question names, when the best of `scores` is an address list. */
  boost(question: string, scores: Map<number, number>, bonus: number): void {
    const best = [...scores].reduce((a, b) => (b[1] > a[1] ? b : a), [-1, -1])[0];
    if (this.isList(best)) for (const c of this.in(question)) scores.set(c, (scores.get(c) ?? 0) + bonus);
  }

  /** Passage indexes naming a rare place that the question names. */
  in(question: string): Set<number> {
    const q = words(question);
    const out = new Set<number>();
    for (const [name, found] of this.byPlace) if (q.includes(name)) for (const i of found) out.add(i);
    return out;
  }
}
