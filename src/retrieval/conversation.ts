import crypto from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';
import { readYamlFile } from '../content/yaml-file.js';
import type { Lexicon } from '../text/lexicon.js';
import { canonical, fold } from '../text/vietnamese.js';

/**
 * Messages that are not questions for the knowledge base, as content staff describe them in
 * knowledge/conversation.yaml: small talk (thanks, ok, who are you, bye) gets a short natural reply; requests
 * outside the bot's scope (weather, lottery, medical or legal advice, other people's data, emergencies) are
 * declined with a pointer where a real one exists. Neither is ever sent to staff as an unanswered question.
 */

// Numbers written bare in YAML (156, 5656) are patterns too.
const pattern = z.union([z.string(), z.number().transform(String)]).pipe(z.string().min(1).regex(/^[a-z0-9 ]+$/, 'viết thường, không dấu'));
const schema = z.object({
  smalltalk: z.record(z.string(), z.object({ patterns: z.array(pattern).min(1), replies: z.array(z.string().min(1)).min(1) }).strict()),
  out_of_scope: z.record(z.string(), z.object({ patterns: z.array(pattern).min(1), reply: z.string().min(1) }).strict()),
  /** Reply to a lone number or letter typed outside any menu or quiz. */
  bare_choice: z.string().min(1),
  /** Words that put a question in scope: an unanswered question with none of them is declined, not sent to staff. */
  in_scope_terms: z.array(pattern).min(1),
  /** The decline for an unanswerable question with no in-scope word. */
  out_of_scope_reply: z.string().min(1),
  /** Phrases in which an in-scope word has another, non-digital sense ("mang song", "hang rao dien"). */
  other_senses: z.array(pattern).default([]),
  /** Words that, typed with these tone marks, are not the in-scope word they fold to ("lúa", "lửa" are not "lừa"). */
  other_senses_marked: z.array(z.string().min(1)).default([]),
}).strict();

export type Understood =
  | { kind: 'smalltalk'; intent: string; text: string }
  /** `tentative`: the message also names something the bot covers outside the matched request (see classify). */
  | { kind: 'out_of_scope'; intent: string; text: string; tentative: boolean }
  | { kind: 'hint'; text: string };

/** Longer messages are questions even if they contain small-talk words. */
const MAX_SMALLTALK_WORDS = 12;
/** Words besides small-talk phrases and filler that a small-talk message may still have. */
const MAX_OTHER_WORDS = 2;
/** An amount, as typed ("50tr", "500k") or read ("50 triệu"). */
const GLUED_AMOUNT = /^\d+(?:[.,]\d+)?[a-z]/;
const AMOUNT_UNIT = /^(trieu|nghin|ngan|ty|dong|tuoi)$/;
const BARE_CHOICE = /^\s*(?:số\s*)?(\d{1,2}|[a-dA-DđĐ])\s*[.)]?\s*$/u;
const WORD = /[\p{L}\p{M}\p{N}]+/gu;
/** A message of symbols only (an emoji, a sticker's text, "..."): a wave at the bot, not a question. */
const SYMBOLS_ONLY = /^[^\p{L}\p{N}]*[^\p{L}\p{N}\s][^\p{L}\p{N}]*$/u;
/** Text faces that contain letters or digits (":D", ":v", "xD", ":3", "<3", "^_^"), as whole tokens. */
const EMOTICON = /(?<=^|\s)(?:[:;=][-']?[DdPpOoVv3)(\]\[|/\\*]+|[xX]D+|\^[_.-]?\^+|<3+|[Tt]_[Tt]|-_-)(?=\s|$)/gu;
/** Laughter of any length, with or without tone marks: one syllable repeated ("hahaha", "hìhì", "kkkkk"). */
const LAUGHTER = /^(ha|he|hi|hj|ho|ka|ke|ki|k)\1+h?$/;
/** A letter held down ("okkkk", "aloooo", "byeeee"): no Vietnamese word has one letter three times in a row. */
const HELD_LETTER = /(\p{L})\1{2,}/gu;
/** What a message of symbols only means, by the first symbol found (anything else is a call). */
const SYMBOL_INTENTS: [RegExp, string][] = [
  [/[😂🤣😆😄😁😅😹]|[=:;][-']?[)D]{2,}|[:;=][-']?[Dv]\b|[xX][dD]/u, 'laugh'],
  [/[🙏❤💕💖💗🥰😍🌹💐]|<3/u, 'thanks'],
  [/[👍👌✅🆗]/u, 'ack'],
];

/** Patterns (folded words) by their first word, each with the intent it stands for. */
type PatternIndex = Map<string, { intent: string; words: string[] }[]>;

/** One reading of a message: its folded words, and the same with words used in another sense blanked. */
interface Reading { words: string[]; scope: string[] }

export class ConversationRules {
  private readonly smalltalk: PatternIndex = new Map();
  private readonly outOfScope: PatternIndex = new Map();
  private readonly replies = new Map<string, string[]>();
  private readonly scope: PatternIndex = new Map();
  private readonly otherSenses: PatternIndex = new Map();
  private readonly otherMarked: Set<string>;

  constructor(private data: z.infer<typeof schema>, private lexicon: Lexicon) {
    const index = (map: PatternIndex, intent: string, patterns: string[]) => {
      for (const p of patterns) {
        const words = p.split(' ');
        map.set(words[0]!, [...(map.get(words[0]!) ?? []), { intent, words }]);
      }
    };
    for (const [intent, s] of Object.entries(data.smalltalk)) {
      index(this.smalltalk, intent, s.patterns);
      this.replies.set(intent, s.replies);
    }
    for (const [intent, o] of Object.entries(data.out_of_scope)) {
      index(this.outOfScope, intent, o.patterns);
      this.replies.set(intent, [o.reply]);
    }
    index(this.scope, 'in_scope', data.in_scope_terms);
    index(this.otherSenses, 'other_sense', data.other_senses);
    this.otherMarked = new Set(data.other_senses_marked.map((w) => canonical(w).trim()));
  }

  /**
   * For a question the knowledge base cannot answer: in scope (kept for staff) when it names something the bot
   * covers, otherwise declined as out of scope.
   */
  unanswerable(text: string): { kind: 'unknown' } | { kind: 'out_of_scope'; text: string } {
    return this.inScope(text) ? { kind: 'unknown' } : this.decline();
  }

  /** Every out-of-scope pattern (examples of what the bot declines, for the scope model). */
  declinePatterns(): string[] {
    return Object.values(this.data.out_of_scope).flatMap((o) => o.patterns);
  }

  /** The general decline: what the bot covers, and how to see the menu. */
  decline(): { kind: 'out_of_scope'; text: string } {
    return { kind: 'out_of_scope', text: this.data.out_of_scope_reply };
  }

  /** Whether the message names something the bot covers (VNeID, scams, the campaign, ...). */
  inScope(text: string): boolean {
    return this.readings(text).some((r) => this.find(r.scope, this.scope) !== undefined);
  }

  /**
   * The message as typed and with teencode expanded (patterns are written in both forms). In `scope`, words that
   * only look in scope are blanked, keeping positions: a word typed with other tone marks ("lúa" is not "lừa",
   * "thuê" is not "thuế") and the words of a phrase where they mean something else ("mạng sống", "hàng rào điện").
   */
  private readings(text: string): Reading[] {
    return [canonical(text).match(WORD) ?? [], this.lexicon.words(text)].map((accented) => {
      const words = accented.map(fold);
      const scope = accented.map((w, i) => (this.otherMarked.has(w) ? '' : words[i]!));
      for (let i = 0; i < scope.length; i++) {
        const other = this.longest(scope, i, this.otherSenses);
        if (other) scope.fill('', i, i + other.words.length);
      }
      return { words, scope };
    });
  }

  static load(knowledgeDir: string, lexicon: Lexicon): ConversationRules {
    return new ConversationRules(readYamlFile(path.join(knowledgeDir, 'conversation.yaml'), schema), lexicon);
  }

  /** Small talk, an out-of-scope request or a stray choice; undefined for anything that may be a question. */
  classify(text: string): Understood | undefined {
    if (BARE_CHOICE.test(text)) return { kind: 'hint', text: this.data.bare_choice };
    const bare = text.replace(EMOTICON, ' ');
    if (SYMBOLS_ONLY.test(bare) || (!bare.trim() && text.trim())) return this.symbols(text);
    // Patterns are written both as typed and expanded ("ko hieu", "khong hieu"): try both readings.
    const readings = this.readings(bare.replace(/\p{L}+/gu, (w) => (LAUGHTER.test(fold(w)) ? 'haha' : w)).replace(HELD_LETTER, '$1'));
    // Everyday phrases for something the bot covers ("bot này làm được gì" asks what the chatbot does).
    const covered = this.lexicon.read(bare).phrases.filter((p) => this.find(p.means.folded, this.scope) !== undefined);
    for (const { words, scope } of readings) {
      const talk = words.length <= MAX_SMALLTALK_WORDS && !covered.length ? this.onlySmalltalk(words, scope) : undefined;
      if (talk) return { kind: 'smalltalk', intent: talk, text: this.pick(talk, text) };
    }
    // In-scope words inside the request itself ("mật khẩu wifi nhà hàng xóm") do not make it a question for the
    // knowledge base; elsewhere in the message ("video trên TikTok nói lá này chữa ung thư"), in either reading
    // ("nộp hs đất đai trên dvc" names the portal once "dvc" is expanded), they may.
    let request: string | undefined;
    let tentative = false;
    const requests: string[] = [];
    for (const { words, scope } of readings) {
      const found = this.span(words, this.outOfScope);
      if (!found) continue;
      request ??= found.intent;
      requests.push(found.words.join(' '));
      const rest = [...scope.slice(0, found.at), ...scope.slice(found.at + found.words.length)];
      tentative ||= this.find(rest, this.scope) !== undefined;
    }
    // So does an everyday phrase for something covered ("thương lái ép giá" is selling produce online), outside the request.
    tentative ||= covered.some((p) => !requests.some((r) => ` ${r} `.includes(` ${p.say.join(' ')} `)));
    if (request) return { kind: 'out_of_scope', intent: request, text: this.pick(request, text), tentative };
    return undefined;
  }

  /** A message of emoji and text faces only: laughter, thanks, an ok, or else a wave at the bot. */
  private symbols(text: string): Understood {
    const found = SYMBOL_INTENTS.find(([re]) => re.test(text))?.[1];
    const intent = found && this.replies.has(found) ? found : 'call';
    return { kind: 'smalltalk', intent, text: this.pick(intent, text) };
  }

  /**
   * The small-talk intent when the message is small-talk phrases and filler, with at most a couple of other
   * words ("ok để tôi thử xem") and nothing the bot covers; a message of nothing but greetings and address
   * words is a call ("ad ơi", "em chào chị ạ"). Undefined for anything else.
   */
  private onlySmalltalk(words: string[], scope: string[]): string | undefined {
    // "giá vàng" is a request about gold, not "vâng" (yes): anything in or out of scope is no small talk; nor is an
    // amount ("vay 50tr ko cần thế chấp" is not "không cần", no thanks).
    if (this.find(scope, this.scope) || this.find(words, this.outOfScope) || words.some((w, i) => GLUED_AMOUNT.test(w) || (/^\d/.test(w) && AMOUNT_UNIT.test(words[i + 1] ?? '')))) return undefined;
    // Fewest words left uncovered when the message is split into patterns and filler (dynamic programming).
    const best: { left: number; intent?: string }[] = [{ left: 0 }];
    for (let i = 0; i < words.length; i++) {
      const here = best[i];
      if (!here) continue;
      const step = (to: number, left: number, intent?: string) => {
        const cur = best[to];
        if (!cur || left < cur.left || (left === cur.left && !cur.intent && intent)) best[to] = { left, intent };
      };
      for (const p of this.smalltalk.get(words[i]!) ?? []) {
        if (p.words.every((w, j) => words[i + j] === w)) step(i + p.words.length, here.left, here.intent ?? p.intent);
      }
      step(i + 1, here.left + (this.lexicon.isFiller(words[i]!) ? 0 : 1), here.intent);
    }
    const end = best[words.length]!;
    if (end.intent) return end.left <= MAX_OTHER_WORDS ? end.intent : undefined;
    return words.length && end.left === 0 ? 'call' : undefined;
  }

  private find(words: string[], map: PatternIndex): string | undefined {
    return this.span(words, map)?.intent;
  }

  /** The first pattern found (the longest one starting there), with where it starts. */
  private span(words: string[], map: PatternIndex) {
    for (let i = 0; i < words.length; i++) {
      const match = this.longest(words, i, map);
      if (match) return { ...match, at: i };
    }
    return undefined;
  }

  private longest(words: string[], at: number, map: PatternIndex) {
    let best: { intent: string; words: string[] } | undefined;
    for (const p of map.get(words[at]!) ?? []) {
      if ((!best || p.words.length > best.words.length) && p.words.every((w, j) => words[at + j] === w)) best = p;
    }
    return best;
  }

  /** One of the intent's replies, the same for the same message (varied across messages, stable in tests). */
  private pick(intent: string, text: string): string {
    const replies = this.replies.get(intent)!;
    return replies[crypto.createHash('sha1').update(text).digest()[0]! % replies.length]!;
  }
}
