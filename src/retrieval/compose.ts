import type { Chunk } from './knowledge.js';
import type { Hit } from './hybrid.js';

/** About one phone screen of Vietnamese text; the rest is offered behind a button. */
export const SCREEN_CHARS = 750;

/** Phone screens of a text, each cut at a paragraph, line or sentence end (never mid-sentence unless unbroken). */
export function screens(text: string, max = SCREEN_CHARS): string[] {
  const out: string[] = [];
  let rest = text.trim();
  while (rest.length > max) {
    const cut = rest.slice(0, max);
    const end = Math.max(cut.lastIndexOf('\n\n'), cut.lastIndexOf('.\n'), cut.lastIndexOf('. '), cut.lastIndexOf('\n'), cut.lastIndexOf('; '));
    const at = end > max * 0.4 ? end + 1 : Math.max(cut.lastIndexOf(' '), 1);
    out.push(rest.slice(0, at).trim());
    rest = rest.slice(at).trim();
  }
  if (rest) out.push(rest);
  return out;
}

/**
 * The passages that answer together: never an article's lead alone (it is followed by the section that
 * matched best, or the first one), and a second section of the same article when it matched almost as well.
 */
export function answerParts(hits: Hit[], sectionsOf: (articleId: string) => Chunk[], minConfidence: number): Chunk[] {
  const best = hits[0]!;
  const sameArticle = hits.slice(1).filter((h) => h.chunk.articleId === best.chunk.articleId && !h.chunk.intro);
  if (best.chunk.intro) {
    const companion = sameArticle[0]?.chunk ?? sectionsOf(best.chunk.articleId).find((c) => !c.intro);
    return companion ? [best.chunk, companion] : [best.chunk];
  }
  const second = sameArticle[0];
  return second && second.score >= 0.85 * best.score && second.confidence >= minConfidence ? [best.chunk, second.chunk] : [best.chunk];
}

/** The answer text (each passage under its heading) as phone screens, and its sources. */
export function composeAnswer(parts: Chunk[]): { pages: string[]; source: string } {
  const full = parts.map((c) => (c.intro ? c.text : `${c.heading}\n${c.text}`)).join('\n\n');
  const sources = [...new Set(parts.map((c) => c.source))].join('; ');
  const titles = [...new Set(parts.map((c) => c.title))].map((t) => `bài “${t}”`).join(', ');
  return { pages: screens(full), source: `${sources} (${titles})` };
}
