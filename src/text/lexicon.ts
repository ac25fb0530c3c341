import path from 'node:path';
import { z } from 'zod';
import { ContentError, readYamlFile } from '../content/yaml-file.js';
import { Memo, TEXTS_KEPT } from '../core/memo.js';
import { canonical, fold, isSyllable, toneKey } from './vietnamese.js';

/**
 * How people write, as content staff describe it in knowledge/lexicon.yaml: teencode and abbreviations,
 * abbreviations with two meanings decided by context, everyday phrases for the knowledge base's terms,
 * chat filler and address words, clause openings that give context rather than the question, numbers
 * with units, run-together words. Keys are folded (no tone marks); a key with "đ" matches only as typed.
 */

const key = z.string().min(1).regex(/^[a-z0-9đ%]+$/, 'khóa viết thường, không dấu, không khoảng trắng');
const phrase = z.string().min(1).regex(/^[a-z0-9đ% ]+$/, 'viết thường, không dấu');
const schema = z.object({
  expand: z.record(key, z.string().min(1)),
  ambiguous: z.record(key, z.array(z.object({ means: z.string().min(1), cues: z.array(phrase).min(1).optional() }).strict()).min(1)),
  phrases: z.array(z.object({ say: z.array(phrase).min(1), means: z.string().min(1) }).strict()),
  filler: z.array(phrase),
  /** Filler words typed WITH tone marks (so "bán" is not taken for the filler "bạn"). */
  filler_marked: z.array(z.string().min(1)).default([]),
  context_cues: z.array(phrase),
  /** Words that start the question inside a clause opened by a context cue; typed with marks, and without. */
  question_starts: z.array(z.string().min(1)),
  question_starts_unmarked: z.array(phrase),
  units: z.record(z.string().min(1), z.string().min(1)),
  joined: z.record(key, z.string().min(1)),
}).strict();

export type Role = 'content' | 'filler' | 'context';

/** One word of a message after reading: its tone-keyed and folded forms and what it does in the message. */
export interface Word {
  accented: string;
  folded: string;
  role: Role;
  /** Which clause of the message the word is in (0-based). */
  clause: number;
}

/** An everyday phrase found in a message (folded words) and the knowledge base's words for it. */
export interface PhraseMatch {
  say: string[];
  means: Analysed;
}

/** A message read as a question. */
export interface Reading {
  words: Word[];
  phrases: PhraseMatch[];
}

/** Tone-keyed and folded token streams of a text. */
export interface Analysed {
  accented: string[];
  folded: string[];
}

const RAW_WORD = /\d+(?:[.,]\d+)?%|[\p{L}\p{M}\p{N}]+/gu;
const CLAUSE_END = /[.!?;,\n:]+/;
const isUnmarked = (w: string) => fold(w) === w.replace(/đ/g, 'd');

export class Lexicon {
  private readonly expand = new Map<string, string[]>();
  private readonly ambiguous = new Map<string, { means: string[]; cues: string[] }[]>();
  private readonly joined = new Map<string, string[]>();
  private readonly units = new Map<string, string[]>();
  /** First word of a phrase -> the phrases starting with it (folded word lists) and what they mean. */
  private readonly phrases = new Map<string, { say: string[]; means: string[] }[]>();
  private readonly filler = new Map<string, string[][]>();
  private readonly fillerMarked: Set<string>;
  private readonly contextCues: string[][];
  private readonly questionStarts: Set<string>;

  constructor(data: z.infer<typeof schema>) {
    const split = (s: string) => canonical(s).split(/\s+/).filter(Boolean);
    for (const [k, v] of Object.entries(data.expand)) this.expand.set(k, split(v));
    for (const [k, v] of Object.entries(data.joined)) this.joined.set(k, split(v));
    for (const [k, v] of Object.entries(data.units)) this.units.set(k, split(v));
    for (const [k, senses] of Object.entries(data.ambiguous)) this.ambiguous.set(k, senses.map((s) => ({ means: split(s.means), cues: s.cues ?? [] })));
    for (const p of data.phrases) {
      const means = split(p.means);
      for (const say of p.say) {
        const words = say.split(' ');
        this.phrases.set(words[0]!, [...(this.phrases.get(words[0]!) ?? []), { say: words, means }]);
      }
    }
    for (const f of data.filler) {
      const words = f.split(' ');
      this.filler.set(words[0]!, [...(this.filler.get(words[0]!) ?? []), words]);
    }
    this.fillerMarked = new Set(data.filler_marked.map((w) => toneKey(canonical(w))));
    this.contextCues = data.context_cues.map((c) => c.split(' '));
    this.questionStarts = new Set([...data.question_starts.map((w) => canonical(w)), ...data.question_starts_unmarked]);
  }

  static load(knowledgeDir: string): Lexicon {
    const file = path.join(knowledgeDir, 'lexicon.yaml');
    const data = readYamlFile(file, schema);
    const sections = ['expand', 'ambiguous', 'joined'] as const;
    const seen = new Map<string, string>();
    for (const s of sections) {
      for (const k of Object.keys(data[s])) {
        if (seen.has(k)) throw new ContentError(`${file}: "${k}" is both in ${seen.get(k)} and in ${s}; one key, one place`);
        seen.set(k, s);
      }
    }
    return new Lexicon(data);
  }

  /** Whether a folded word is chat filler or an address word on its own. */
  isFiller(folded: string): boolean {
    return (this.filler.get(folded) ?? []).some((f) => f.length === 1);
  }

  /** The words of a text with abbreviations, units and run-together words expanded (tone marks kept when typed). */
  words(text: string): string[] {
    return this.wordsCache.get(text, () => this.expandAll(text));
  }

  private expandAll(text: string): string[] {
    const raw = canonical(text).match(RAW_WORD) ?? [];
    const context = ` ${raw.map(fold).join(' ')} `;
    return raw.flatMap((w) => this.expandWord(w, context));
  }

  /** Token streams for indexing: each syllable by its tone key and folded. */
  analyse(text: string): Analysed {
    const words = this.words(text);
    return { accented: words.map(toneKey), folded: words.map(fold) };
  }

  /**
   * Reads a message as a question: expanded words, each with its role (filler and context words do not
   * carry the question), and the everyday phrases it contains with the knowledge base's words for them.
   */
  read(text: string): Reading {
    return this.readCache.get(text, () => this.readUncached(text));
  }

  // One message is read several times per turn (scope rules, search, vectors), and the same texts come back.
  private readonly wordsCache = new Memo<string[]>(TEXTS_KEPT);
  private readonly readCache = new Memo<Reading>(TEXTS_KEPT);

  private readUncached(text: string): Reading {
    const clauses = canonical(text).split(CLAUSE_END).map((c) => this.words(c)).filter((c) => c.length).flatMap((c) => this.splitAtQuestion(c));
    const roles = clauses.map((c) => this.roles(c));
    // A clause that only tells who or where the person is gives context, unless it is all there is.
    const contentOutside = (i: number) => roles.some((r, j) => j !== i && r.filter((x) => x === 'content').length >= 2);
    const words: Word[] = clauses.flatMap((clause, i) => {
      const isContext = this.startsWith(clause.map(fold), this.contextCues) > 0 && contentOutside(i);
      return clause.map((w, j) => {
        const role = roles[i]![j]!;
        return { accented: toneKey(w), folded: fold(w), role: role === 'content' && isContext ? 'context' as const : role, clause: i };
      });
    });
    const found = new Map<string, PhraseMatch>();
    const rawFolded = (canonical(text).match(RAW_WORD) ?? []).map(fold);
    for (const seq of [words.map((w) => w.folded), rawFolded]) {
      for (const p of this.phraseMatches(seq)) found.set(p.say.join(' '), { say: p.say, means: { accented: p.means.map(toneKey), folded: p.means.map(fold) } });
    }
    return { words, phrases: [...found.values()] };
  }

  private expandWord(w: string, context: string): string[] {
    const f = fold(w);
    // Typed without marks, or shorthand that no syllable spells even with its marks ("ktế", "đc").
    const plain = isUnmarked(w) || !isSyllable(w);
    const lookup = <T>(map: Map<string, T>) => map.get(w) ?? (plain ? map.get(f) : undefined);
    const joined = lookup(this.joined) ?? lookup(this.expand);
    if (joined) return joined;
    const senses = lookup(this.ambiguous);
    if (senses) return (senses.find((s) => !s.cues.length || s.cues.some((c) => context.includes(` ${c} `))) ?? { means: [w] }).means;
    // "5tr", "500k", "2tr5", "50%": a number with its unit.
    const unit = /^(\d+(?:[.,]\d+)?)([a-zđ%]+)(\d*)$/.exec(w);
    if (unit && this.units.has(fold(unit[2]!))) return [unit[1]!, ...this.units.get(fold(unit[2]!))!, ...(unit[3] ? [unit[3]] : [])];
    // "nq57", "muc2", "quyết57": letters glued to a number.
    const glued = /^(\p{L}+)(\d+)$/u.exec(w);
    if (glued) return [...this.expandWord(glued[1]!, context), glued[2]!];
    return [w];
  }

  /**
   * A clause that opens with who or where the asker is may go on to the question itself ("tôi là người dân thì làm
   * được gì để góp phần"): it is two clauses, split where the question starts.
   */
  private splitAtQuestion(clause: string[]): string[][] {
    if (!this.startsWith(clause.map(fold), this.contextCues)) return [clause];
    // Unmarked "thi" before "dua" is thi đua, not thì.
    const at = clause.findIndex((w, i) => i >= 2 && this.questionStarts.has(w) && !(w === 'thi' && clause[i + 1] === 'dua'));
    return at > 0 ? [clause.slice(0, at), clause.slice(at)] : [clause];
  }

  /** Filler (chat particles, address words) or content, word by word. */
  private roles(words: string[]): Role[] {
    const folded = words.map(fold);
    const roles: Role[] = words.map(() => 'content');
    for (let i = 0; i < words.length; i++) {
      const n = this.startsWith(folded.slice(i), this.filler.get(folded[i]!) ?? []);
      // A marked word is filler only if it is one of the marked filler forms ("bạn", not "bán").
      if (n === 1 && !isUnmarked(words[i]!) && !this.fillerMarked.has(toneKey(words[i]!))) continue;
      for (let j = i; j < i + n; j++) roles[j] = 'filler';
    }
    return roles;
  }

  /** Length of the longest of `options` that `words` starts with (0 if none). */
  private startsWith(words: string[], options: string[][]): number {
    let best = 0;
    for (const o of options) if (o.length > best && o.every((w, i) => words[i] === w)) best = o.length;
    return best;
  }

  private *phraseMatches(folded: string[]): Generator<{ say: string[]; means: string[] }> {
    for (let i = 0; i < folded.length; i++) {
      for (const p of this.phrases.get(folded[i]!) ?? []) if (p.say.every((w, j) => folded[i + j] === w)) yield p;
    }
  }
}
