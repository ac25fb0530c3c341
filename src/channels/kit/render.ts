import type { Button, Reply } from '../../core/messages.js';
import type { Rendered } from './types.js';

/** Platform-neutral rendering helpers: splitting long texts, numbered button fallbacks, button memory. */

/**
 * Splits a text into parts of at most `limit` characters, cutting at the latest paragraph, line,
 * sentence or word boundary that keeps a part reasonably full; a hard cut only for unbroken runs.
 */
export function splitText(text: string, limit: number): string[] {
  const parts: string[] = [];
  let rest = text.trim();
  while (rest.length > limit) {
    const cut = findCut(rest, limit);
    const part = rest.slice(0, cut).trimEnd();
    if (part) parts.push(part);
    rest = rest.slice(cut).trimStart();
  }
  if (rest) parts.push(rest);
  return parts.length ? parts : [''];
}

function findCut(text: string, limit: number): number {
  const window = text.slice(0, limit + 1);
  const floor = Math.floor(limit * 0.3);
  const finders: ((w: string) => number)[] = [
    (w) => lastMatchEnd(w, /\n\s*\n/g),
    (w) => lastMatchEnd(w, /\n/g),
    (w) => lastMatchEnd(w, /[.!?…;:]["'”’)\]]*\s/g),
    (w) => lastMatchEnd(w, /\s/g),
  ];
  for (const find of finders) {
    const at = find(window);
    if (at > floor && at <= limit) return at;
    if (at > floor && at === limit + 1) return limit; // the boundary char itself falls just past the limit
  }
  // No usable boundary: hard cut, never between the halves of a surrogate pair.
  let at = limit;
  const code = text.charCodeAt(at - 1);
  if (code >= 0xd800 && code <= 0xdbff) at -= 1;
  return at;
}

function lastMatchEnd(s: string, re: RegExp): number {
  let end = -1;
  for (const m of s.matchAll(re)) end = m.index + m[0].length;
  return end;
}

/** "1, 2, 3 hoặc 4" style prompt for a numbered list of `n` choices. */
export function choicePrompt(n: number): string {
  if (n <= 1) return 'Trả lời 1 để chọn.';
  if (n <= 6) return `Trả lời ${Array.from({ length: n - 1 }, (_, i) => i + 1).join(', ')} hoặc ${n}.`;
  return `Trả lời một số từ 1 đến ${n}.`;
}

/** The text with its buttons as a numbered list, for platforms or cases where buttons do not fit. */
export function withNumberedButtons(text: string, buttons: Button[]): string {
  const list = buttons.map((b, i) => `${i + 1}. ${b.title}`).join('\n');
  return `${text}\n\n${list}\n${choicePrompt(buttons.length)}`;
}

/** Shortens a title to `max` characters at a word boundary, with an ellipsis. */
export function truncateTitle(title: string, max: number): string {
  const chars = [...title.trim()];
  if (chars.length <= max) return chars.join('');
  const head = chars.slice(0, max - 1).join('');
  // Break after a space or a slash ("Đăng ký đoàn thể/đơn vị" -> "Đăng ký đoàn thể…").
  const boundary = Math.max(head.lastIndexOf(' '), head.lastIndexOf('/') + 1);
  const cut = boundary >= Math.floor((max - 1) / 2) ? head.slice(0, boundary) : head;
  return `${cut.replace(/[\s/,.;:-]+$/, '')}…`;
}

export function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** A typed choice number: "2", "2.", " 2 ", "số 2". */
export function typedNumber(text: string | undefined): number | undefined {
  const m = text?.trim().match(/^(?:số\s*)?(\d{1,2})\s*[.)]?$/i);
  return m ? Number(m[1]) : undefined;
}

/**
 * The rendering every platform shares: the text split at the platform's limit, and the buttons attached to
 * the last part when they fit the platform's rules, else listed with numbers under the text.
 * `attach` returns the query texts that mean a button press, for platforms whose buttons send text back.
 */
export function renderWithButtons<P extends { text: string }>(
  reply: Reply,
  o: { limit: number; fits: (buttons: Button[]) => boolean; attach: (last: P, buttons: Button[]) => [string, string][] | void },
): Rendered<P> {
  const buttons = reply.buttons ?? [];
  const fits = buttons.length > 0 && o.fits(buttons);
  const text = buttons.length && !fits ? withNumberedButtons(reply.text, buttons) : reply.text;
  const parts = splitText(text, o.limit).map((t) => ({ text: t }) as P);
  if (!buttons.length) return { parts };
  if (!fits) return { parts, numbered: buttons };
  const queries = o.attach(parts[parts.length - 1]!, buttons);
  return queries ? { parts, queries } : { parts };
}
