/**
 * Masks what looks like personal data before a citizen's words are kept for staff (the unanswered
 * list): phone and ID-card numbers, bank account numbers, e-mail addresses.
 */
export function redactPersonalData(text: string): string {
  return text
    .replace(/[\p{L}\p{N}._%+-]+@[\p{L}\p{N}.-]+\.[a-z]{2,}/giu, '[email]')
    // 9 or more digits, possibly grouped by spaces, dots or dashes: phones, CCCD, accounts.
    .replace(/(?:\+?\d[\s.-]?){9,}/g, (m) => `[${m.replace(/\D/g, '').length} chữ số]${/\s$/.test(m) ? ' ' : ''}`);
}
