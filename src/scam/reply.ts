import type { Button, Reply } from '../core/messages.js';
import type { Dialog } from '../core/ports.js';
import type { Finding } from './detector.js';
import type { ScamKnowledge } from './knowledge.js';

/** Texts of the scam check in flows/scam.yaml; the engine refuses to start without them. */
export const SCAM_TEXTS = [
  'scam.verdict_scam', 'scam.verdict_suspicious', 'scam.verdict_no_sign', 'scam.signals_intro', 'scam.signal_line', 'scam.advice_intro',
  'scam.read_from_image', 'scam.prompt', 'scam.need_message', 'scam.unreadable', 'scam.too_big', 'scam.not_image', 'scam.busy', 'scam.images_off',
  'scam.fetch_failed', 'scam.again_button', 'answer.source', 'button.menu',
] as const;

const MAX_KINDS = 4;
const MAX_QUOTES = 2;
const EXCERPT_CHARS = 160;

/**
 * The answer to a check, in two messages: the verdict in plain words with the signals quoted from the message,
 * then what to do now (from the knowledge base, with the real hotline of the body the message names) and the
 * source. Never "this is safe": the mildest verdict still says to be careful.
 */
export function checkReplies(f: Finding, k: ScamKnowledge, dialog: Dialog, buttons: Button[], readText?: string): Reply[] {
  const lines: string[] = [];
  if (readText !== undefined) lines.push(dialog.text('scam.read_from_image', { text: excerpt(readText) }), '');
  lines.push(dialog.text(`scam.verdict_${f.verdict}`));
  if (f.signals.length) {
    lines.push('', dialog.text('scam.signals_intro'));
    for (const s of f.signals.slice(0, MAX_KINDS)) {
      const quotes = s.quotes.slice(0, MAX_QUOTES).map((q) => `“${q}”`).join(', ');
      lines.push(dialog.text('scam.signal_line', { title: k.kinds[s.kind].title, quotes, why: s.why }));
    }
  }
  return [{ text: lines.join('\n') }, { text: adviceText(f, k, dialog), buttons }];
}

function adviceText(f: Finding, k: ScamKnowledge, dialog: Dialog): string {
  const a = k.advice;
  const lines = [dialog.text('scam.advice_intro'), ...a.first.map((l) => `• ${l}`)];
  const brand = f.brands.find((b) => b.hotline);
  if (brand) lines.push(`• ${a.hotline.replace('{brand}', brand.name).replace('{hotline}', brand.hotline!)}`);
  if (f.links.length) lines.push(`• ${a.check_site}`);
  lines.push(`• ${a.report}`);
  if (f.verdict !== 'no_sign') lines.push(`• ${a.lost_money}`);
  lines.push('', dialog.text('answer.source', { source: k.source }));
  return lines.join('\n');
}

/** The start of what was read from a screenshot, on one line, so the person sees what the check was made on. */
function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > EXCERPT_CHARS ? `${flat.slice(0, EXCERPT_CHARS - 1)}…` : flat;
}
