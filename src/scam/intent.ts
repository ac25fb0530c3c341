import { detectScam } from './detector.js';
import type { ScamKnowledge } from './knowledge.js';
import { findPhrase, readStream } from './phrases.js';

/** A typed message read as a request to check another message for scams. */
export interface CheckRequest {
  /** The message to check: what was pasted, or the person's own words when they only described it. */
  message: string;
  /** They asked but only described the message (no pasted text): without signals, ask for the text or a screenshot. */
  described: boolean;
}

const SENTENCE_END = /[.?!\n:]/;
const MIN_PASTED_WORDS = 5;
const MIN_FORWARDED_WORDS = 12;

/**
 * Whether free text asks for a scam check ("tin này có phải lừa đảo không: …", "… lừa đảo ko?") or is itself a
 * forwarded message (a long text addressed to someone, with a link, a number or money in it, showing signals).
 * A general question ("làm sao biết tin nhắn lừa đảo?") is not a request: it goes to the knowledge base.
 */
export function readCheckRequest(text: string, k: ScamKnowledge): CheckRequest | undefined {
  const stream = readStream(text);
  const asked = k.ask.cues.flatMap((re) => findPhrase(stream, re));
  if (asked.length) {
    const hit = asked[0]!;
    const [from, to] = sentenceAround(text, hit.span);
    const rest = `${text.slice(0, from)} ${text.slice(to)}`.replace(/^[\s:"'“”«»-]+|[\s"'“”«»-]+$/g, '').trim();
    if (wordCount(rest) >= MIN_PASTED_WORDS) return { message: rest, described: false };
    // "làm sao biết tin có phải lừa đảo không?" asks how, not about one message.
    const sentence = readStream(text.slice(from, to));
    if (k.ask.general.some((re) => findPhrase(sentence, re).length)) return undefined;
    return { message: text, described: true };
  }
  if (wordCount(text) < MIN_FORWARDED_WORDS || !k.ask.forwarded.some((re) => findPhrase(stream, re).length)) return undefined;
  return detectScam(text, k).verdict === 'no_sign' ? undefined : { message: text, described: false };
}

/** The sentence holding a span: from the previous sentence end to the next (a colon ends the question: "…không: <tin>"). */
function sentenceAround(text: string, [start, end]: [number, number]): [number, number] {
  let from = start;
  while (from > 0 && !SENTENCE_END.test(text[from - 1]!)) from--;
  let to = end;
  while (to < text.length && !SENTENCE_END.test(text[to]!)) to++;
  return [from, Math.min(text.length, to + 1)];
}

function wordCount(s: string): number {
  return s.match(/[\p{L}\p{N}]+/gu)?.length ?? 0;
}
