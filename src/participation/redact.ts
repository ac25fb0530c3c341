/**
 * Masks what looks like personal data before a citizen's words are kept for staff (the unanswered
 * list): phone and ID-card numbers, bank account numbers, e-mail addresses.
 *
 * Linear in the text's length: an address may only start where a run of address characters starts (the
 * look-behind), so a long run of letters without "@" is scanned once, not once per starting position.
 */
const EMAIL = /(?<![\p{L}\p{N}._%+-])[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.[a-z]{2,}/giu;
// 9 or more digits, possibly grouped by spaces, dots or dashes: phones, CCCD, accounts.
const DIGITS = /(?<![\d])(?:\+?\d[\s.-]?){9,}/g;

export function redactPersonalData(text: string): string {
  return text
    .replace(EMAIL, '[email]')
    .replace(DIGITS, (m) => `[${m.replace(/\D/g, '').length} chữ số]${/\s$/.test(m) ? ' ' : ''}`);
}
