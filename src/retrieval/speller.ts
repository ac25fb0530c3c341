import { deletions, withinOne } from '../text/edits.js';
import { isSyllable } from '../text/vietnamese.js';
import { STOPWORDS } from './stopwords.js';

/**
 * A word with Telex keystrokes left in, folded ("maays" for "mấy", "chuyeenr" for "chuyển", "ddc" for "đc"): the
 * doubled letters and the trailing tone key removed. Unchanged if there are none.
 */
export function fromTelex(folded: string): string {
  // No Vietnamese syllable ends in s, f, r, x or j: there they are tone keys.
  return folded.replace(/aa|ee|oo|dd/g, (m) => m[0]!).replace(/(?<=[aou])w/g, '').replace(/(?<=[a-z]{2})[sfrxj]$/, '');
}

/**
 * The same word with its marks, in the tone-keyed form the index uses ("muwcs" -> "mưcs" for "mức"): Telex keys
 * spell the marks exactly, so the word is as good as typed with them. The tone key is already that form's last letter.
 */
export function telexMarked(typed: string): string {
  return typed.replace(/dd|aa|ee|oo|uow|aw|ow|uw/g, (m) => TELEX_LETTERS[m]!);
}

const TELEX_LETTERS: Record<string, string> = { dd: 'đ', aa: 'â', ee: 'ê', oo: 'ô', uow: 'ươ', aw: 'ă', ow: 'ơ', uw: 'ư' };

/** Same letters, two of them swapped (given the two are within one edit). */
const isSwap = (a: string, b: string) => a !== b && a.length === b.length && [...a].sort().join('') === [...b].sort().join('');

/** Typo correction, Telex reading and splitting of run-together words over a vocabulary of folded syllables. */
export class Speller {
  /** Deletion neighbourhood of the vocabulary's words of 3 letters or more. */
  private readonly deletes = new Map<string, string[]>();

  /** `df`: how many documents have the word (0 for a word outside the vocabulary). */
  constructor(private readonly df: (word: string) => number) {}

  /** A new word of the vocabulary. */
  add(word: string): void {
    if (word.length < 3) return;
    for (const d of deletions(word)) {
      const list = this.deletes.get(d);
      if (list) list.push(word);
      else this.deletes.set(d, [word]);
    }
  }

  private known(word: string): boolean {
    return this.df(word) > 0;
  }

  /** An unknown word that spells a known one once read as Telex. */
  telex(folded: string): string | undefined {
    if (this.known(folded) || /\d/.test(folded)) return undefined;
    const read = fromTelex(folded);
    return read !== folded && this.known(read) ? read : undefined;
  }

  /** A run-together word split into known syllables ("dangky" -> "dang ky"), fewest pieces first; undefined if none. */
  split(word: string): string[] | undefined {
    if (word.length < 5 || /\d/.test(word) || this.known(word)) return undefined;
    const best: (string[] | undefined)[] = [[]];
    for (let end = 1; end <= word.length; end++) {
      for (let start = Math.max(0, end - 7); start <= end - 2; start++) {
        const prev = best[start];
        const piece = word.slice(start, end);
        if (prev && prev.length < 4 && this.known(piece) && (!best[end] || best[end]!.length > prev.length + 1)) best[end] = [...prev, piece];
      }
    }
    const found = best[word.length];
    return found && found.length >= 2 ? found : undefined;
  }

  /** Closest known syllable within one edit, most frequent first; undefined if none. */
  correct(word: string): string | undefined {
    // Short words and stopwords are too ambiguous to correct; a typo rarely changes the first letter.
    // Short words are corrected only when they cannot be a syllable at all ("dug" for "dụng"), or when two letters
    // swapped make a known word ("soa" for "sao", "noà" for "nào").
    if (this.known(word) || word.length < 3 || /\d/.test(word) || STOPWORDS.has(word)) return undefined;
    const swapOnly = word.length < 4 && isSyllable(word);
    const candidates = new Set<string>();
    for (const c of this.deletes.get(word) ?? []) candidates.add(c);
    for (const d of deletions(word)) {
      if (this.known(d) && d.length >= 2) candidates.add(d);
      for (const c of this.deletes.get(d) ?? []) candidates.add(c);
    }
    let best: string | undefined;
    for (const c of candidates) {
      if (c[0] !== word[0] || !withinOne(word, c) || (swapOnly && !isSwap(word, c))) continue;
      if (!best || this.df(c) > this.df(best)) best = c;
    }
    return best;
  }
}
