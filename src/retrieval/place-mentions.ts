import { fold } from '../text/vietnamese.js';
import type { Chunk } from './knowledge.js';

/** A place named in this many passages or fewer is specific enough to point at them ("Pa Vệ Sử", not "Lai Châu"). */
const RARE = 3;

const words = (text: string) => ` ${fold(text).replace(/[^a-z0-9đ]+/g, ' ').trim()} `;

/**
 * The passages that name a place a question names. A place's syllables are common words on their own ("vệ", "sử",
 * "hồ"): only the whole name is specific, and word-by-word search cannot see it, so the old commune someone lives
 * in would not find the passage that lists it.
 */
export class PlaceMentions {
  private readonly byPlace = new Map<string, number[]>();

  constructor(placeNames: string[], chunks: Chunk[]) {
    const texts = chunks.map((c) => words(`${c.heading}\n${c.text}`));
    for (const name of new Set(placeNames.map(words))) {
      if (name.trim().split(' ').length < 2) continue;
      const found = texts.flatMap((t, i) => (t.includes(name) ? [i] : []));
      if (found.length && found.length <= RARE) this.byPlace.set(name, found);
    }
  }

  /** Passage indexes naming a rare place that the question names. */
  in(question: string): Set<number> {
    const q = words(question);
    const out = new Set<number>();
    for (const [name, found] of this.byPlace) if (q.includes(name)) for (const i of found) out.add(i);
    return out;
  }
}
