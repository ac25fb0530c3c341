/**
 * Vietnamese text normalisation for matching and retrieval.
 *
 * Input arrives NFC or NFD, with old ("hoà") or new ("hòa") tone placement, without tone marks,
 * with teencode and with typos. We produce two token streams per text:
 *  - accented: each syllable as its letters without the tone mark, plus a tone letter
 *    ("hoà" and "hòa" both -> "hoaf"), so tone placement never matters;
 *  - folded: all marks removed and đ -> d ("hòa" -> "hoa"), for input typed without marks.
 */
import { Memo } from '../core/memo.js';

// Combining tone marks; telex-style letters keep the accented token readable in debugging.
const TONES: Record<string, string> = { '\u0300': 'f', '\u0301': 's', '\u0303': 'x', '\u0309': 'r', '\u0323': 'j' };
const TONE_RE = /[\u0300\u0301\u0303\u0309\u0323]/g;

/**
 * Teencode and abbreviations, keyed by folded form, expanded to accented words.
 * Only unambiguous or overwhelmingly common ones: "k" and "ko" are "không" in chat.
 */
const ABBREVIATIONS = new Map<string, string>(Object.entries({
  k: 'không', ko: 'không', kg: 'không', kh: 'không', hok: 'không', hong: 'không', khong: 'không', hem: 'không',
  dc: 'được', dk: 'được', duoc: 'được', j: 'gì', gi: 'gì', ntn: 'như thế nào', nthe: 'như thế', bn: 'bao nhiêu',
  bnh: 'bao nhiêu', bh: 'bao giờ', bgio: 'bao giờ', ms: 'mới', mn: 'mọi người', ng: 'người', nguoi: 'người',
  vs: 'với', cx: 'cũng', cg: 'cũng', r: 'rồi', ns: 'nói', trc: 'trước', z: 'vậy', v: 'vậy',
  mk: 'mình', mik: 'mình', hs: 'hồ sơ', fb: 'facebook', face: 'facebook', cty: 'công ty', dn: 'doanh nghiệp', pass: 'mật khẩu', password: 'mật khẩu', tk: 'tài khoản', acc: 'tài khoản',
  sdt: 'số điện thoại', dt: 'điện thoại', dthoai: 'điện thoại', cccd: 'căn cước công dân', cmnd: 'chứng minh nhân dân',
  dvc: 'dịch vụ công', dvctt: 'dịch vụ công trực tuyến', cntt: 'công nghệ thông tin', cds: 'chuyển đổi số',
  khcn: 'khoa học công nghệ', dmst: 'đổi mới sáng tạo', bdhvs: 'bình dân học vụ số',
  nq: 'nghị quyết', qd: 'quyết định', nd: 'nội dung', 'nđ': 'nghị định', ubnd: 'ủy ban nhân dân', mttq: 'mặt trận tổ quốc',
  hlhpn: 'hội liên hiệp phụ nữ', hnd: 'hội nông dân', hccb: 'hội cựu chiến binh', dtn: 'đoàn thanh niên',
  ttdt: 'thanh toán điện tử', otp: 'otp', '2fa': 'xác thực hai lớp', ck: 'chuyển khoản', bt: 'biết', bik: 'biết',
  bit: 'biết', hk: 'không', lm: 'làm', dky: 'đăng ký', dki: 'đăng ký', 
  ki: 'ký', tgian: 'thời gian', tg: 'thời gian', ad: 'admin', wa: 'quá', qa: 'quá', oy: 'rồi', roy: 'rồi',
  nhiu: 'nhiêu', bnhieu: 'bao nhiêu', lq: 'liên quan', ttin: 'thông tin', tt: 'thông tin',
  app: 'ứng dụng', ud: 'ứng dụng', apps: 'ứng dụng',
}));

/** NFC + lower case + Vietnamese "ð"/"Ð" fixes; idempotent. */
export function canonical(text: string): string {
  return text.normalize('NFC').toLowerCase().replace(/ð/g, 'đ').replace(HELD_VOWEL, '$1').replace(HELD_FINAL, '$1$2').replace(I_SPELLING, (_, c: string, i: string) => c + Y_OF[i]!);
}

/**
 * A key held down: a vowel with a mark typed twice or more ("gìì", "nhéé", "tôôi"), or a consonant doubled at the end of
 * a word typed with marks ("hìnhh", "tínn", "họcc"). No Vietnamese word has either. Unmarked words are left alone:
 * "app", "acc", "cntt" are words too, and a bare doubled vowel may be Telex ("aa" for "â").
 */
const HELD_VOWEL = /([ăâêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ])\1+/gu;
const HELD_FINAL = /([^\s\p{ASCII}]\p{L}*?)([bcdghklmnpqrtvx])\2+(?![\p{L}\p{M}\d])/gu;

/**
 * Both spellings are correct and both are typed: "kĩ năng"/"kỹ năng", "lí do"/"lý do", "quí"/"quý". Read as "y".
 * Only with a tone mark: unmarked "mi", "ti" (eyelid, TV) are other words.
 */
const I_SPELLING = /(?<![\p{L}\p{M}])(h|k|l|m|s|t|v|qu)([ìíỉĩị])(?![\p{L}\p{M}])/gu;
const Y_OF: Record<string, string> = { 'ì': 'ỳ', 'í': 'ý', 'ỉ': 'ỷ', 'ĩ': 'ỹ', 'ị': 'ỵ' };

/**
 * Remembers a function of short strings (syllables, words): Unicode normalisation is the costly part of
 * reading a message, and the vocabulary people use is small. Bounded: the oldest go first.
 */
function memo(f: (s: string) => string, limit = 50_000): (s: string) => string {
  const seen = new Memo<string>(limit);
  return (s) => (s.length > 40 ? f(s) : seen.get(s, () => f(s)));
}

/** Removes every mark: "Đổi mới" -> "doi moi". */
export const fold = memo((text: string) => canonical(text).normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/đ/g, 'd'));

/** One syllable with its tone as a trailing letter; independent of where the mark was placed. */
export const toneKey = memo((syllable: string) => {
  const nfd = syllable.normalize('NFD');
  let tone = '';
  const base = nfd.replace(TONE_RE, (m) => {
    tone = TONES[m] ?? '';
    return '';
  });
  return base.normalize('NFC') + tone;
});

/** Splits into word tokens (letters and digits), dropping punctuation. */
export function words(text: string): string[] {
  return canonical(text).match(/[\p{L}\p{M}\p{N}]+/gu) ?? [];
}

/** Splits, expands teencode/abbreviations, and returns syllables in accented (NFC) form. */
export function expandedWords(text: string): string[] {
  const out: string[] = [];
  for (const w of words(text)) {
    const folded = fold(w);
    // Exact spelling first ("nđ" is nghị định, "nd" nội dung); otherwise only tokens typed without
    // tone marks expand: "gi" becomes "gì", but "giá" is not touched.
    const expansion = ABBREVIATIONS.get(w) ?? (folded === w.replace(/đ/g, 'd') ? ABBREVIATIONS.get(folded) : undefined);
    if (expansion) out.push(...expansion.split(' '));
    else out.push(w);
  }
  return out;
}

/** Folded, teencode-expanded, single-spaced form: the key for matching commands and options. */
export function matchKey(text: string): string {
  return expandedWords(text).map(fold).join(' ');
}

export interface Analysed {
  accented: string[];
  folded: string[];
}

/** Token streams for indexing and querying (syllables; bigrams are added by the index). */
export function analyse(text: string): Analysed {
  const syllables = expandedWords(text);
  return { accented: syllables.map(toneKey), folded: syllables.map(fold) };
}

// Onset, vowel nucleus and coda of a Vietnamese syllable, over letters without tone marks (ă â ê ô ơ ư đ kept).
const SYLLABLE = /^(ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnpqrstvx])?[aăâeêioôơuưy]{1,3}(ch|ng|nh|[cmnpt])?$/;

/** Whether a word can be a Vietnamese syllable ("ktế", "đc" cannot: they are shorthand typed with marks). */
export function isSyllable(word: string): boolean {
  return SYLLABLE.test(word.normalize('NFD').replace(TONE_RE, '').normalize('NFC'));
}
