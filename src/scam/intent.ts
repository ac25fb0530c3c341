import { detectScam } from './detector.js';
import type { ScamKnowledge } from './knowledge.js';
import { findPhrase, readStream } from './phrases.js';

/** A typed message read as a request: a message to check, or a bare "is this a scam?" (ask for the message). */
export type CheckRequest = { kind: 'check'; message: string } | { kind: 'ask' };

const SENTENCE_END = /[.?!\n:]/;
const MIN_PASTED_WORDS = 5;
const MAX_BARE_QUESTION_WORDS = 10;
const MIN_FORWARDED_WORDS = 12;

/**
 * Whether free text asks for a scam check ("tin này có phải lừa đảo không: <tin>", "<tin> lừa đảo ko?") or is
 * itself a forwarded message (long, clearly a scam, neither a question nor a story told about a message). Questions
 * about scams ("làm sao biết tin nhắn lừa đảo?", "có người gọi bảo tôi dính vụ án, phải làm gì?") are left to the
 * knowledge base, which has articles for them; a message is checked only when it is there to check.
 */
export function readCheckRequest(text: string, k: ScamKnowledge): CheckRequest | undefined {
  const stream = readStream(text);
  const asked = k.ask.cues.flatMap((re) => findPhrase(stream, re));
  const isScam = () => detectScam(text, k).verdict === 'scam';
  if (asked.length) {
    const [from, to] = sentenceAround(text, asked[0]!.span);
    const rest = `${text.slice(0, from)} ${text.slice(to)}`.replace(/^[\s:"'“”«»-]+|[\s"'“”«»-]+$/g, '').trim();
    if (wordCount(rest) >= MIN_PASTED_WORDS) return { kind: 'check', message: rest };
    if (k.ask.general.some((re) => findPhrase(readStream(text.slice(from, to)), re).length)) return undefined;
    if (wordCount(text) <= MAX_BARE_QUESTION_WORDS) return { kind: 'ask' };
    return isScam() ? { kind: 'check', message: text } : undefined;
  }
  // A question mark or a question word at the very end ("... qua điện thoại không") makes it a question.
  if (wordCount(text) < MIN_FORWARDED_WORDS || /\?\s*$/.test(text) || / (khong|ko|k|chua|sao|gi|nao) (\| )?$/.test(stream.text)) return undefined;
  if ([...k.ask.question, ...k.ask.narrative].some((re) => findPhrase(stream, re).length)) return undefined;
  return isScam() ? { kind: 'check', message: text } : undefined;
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
