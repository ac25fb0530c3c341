import { fold } from '../text/vietnamese.js';

/**
 * A question that asks for one kind of fact (a price, a count, a phone number, a day, an address) is answered
 * only by a passage that holds that kind of fact. A passage on the right topic without it ("Tổ công nghệ số tìm
 * ở đâu?" for "số điện thoại tổ công nghệ số bản Thẳm Pa") would be an answer from beside the point: better
 * an honest "chưa có thông tin", which also shows staff what to add.
 */
interface FactKind {
  /** Cues in the question (folded, space-separated words). */
  asks: RegExp;
  /** What a passage holding the fact contains (folded); a function of the cue's match when it depends on it. */
  holds: RegExp | ((asked: RegExpExecArray) => RegExp);
}

const DIGITS = /\d/;
/** What a count question counts (folded). */
const COUNTED = 'nguoi|hoi vien|doan vien|san pham|to|xa|phuong|thon|ban|nhiem vu|doanh nghiep|km|dan|ho|lop|hoc vien|tai khoan|giai doan|tieu chi|chi tieu|muc';
const KINDS: FactKind[] = [
  {
    asks: /\b(bao nhieu tien|mat bao nhieu|ton bao nhieu|gia bao nhieu|bao nhieu mot phut|(le )?phi (la )?bao nhieu|muc phi|thuong bao nhieu|phat bao nhieu|muc phat|bao nhieu dong)\b/,
    // A sum, a share of a budget ("2% GDP"), or that it costs nothing.
    holds: /\d[\d.,]*\s*(d|dong|nghin|ngan|trieu|ty|k|tr|vnd|%)(\b|\s|$)|\b(mien phi|khong mat (tien|phi|cuoc)|khong thu phi|khong phai tra|tinh cuoc|tinh phi)\b/,
  },
  {
    // A count of something: the number, in digits or words, must count that thing ("64 đối tượng", "38 xã, phường",
    // "hai giai đoạn"), not any number. "mấy" also means "a few" ("giữ mấy tài khoản của hội", "phát wifi cho mấy
    // bạn"): it asks only after a verb of counting ("có mấy xã", "chia mấy giai đoạn"), and not when what follows
    // says what those few are or do ("có mấy người hay đi từng nhà chỉ bà con cài app, họ là ai", "có mấy tài khoản lạ
    // để ảnh gái xinh gửi kết bạn").
    asks: new RegExp(`\\b(?:bao nhieu (${COUNTED})|(?:co|gom|chia|chia lam|chia thanh|duoc|la) may (${COUNTED})(?! (?:hay|thuong|cu|dang|den|toi|di|vao|goi|nhan|la|de|gui)\\b))\\b`),
    holds: (m) => new RegExp(`(?:\\d[\\d.,]*%?|\\b(?:hai|ba|bon|nam|sau|bay|tam|chin|muoi))\\s+(?:(?:nghin|ngan|tram|chuc|trieu|ty|van|nguoi)\\s+)?${m[1] ?? m[2]}\\b`),
  },
  { asks: /\b(?:bao nhieu|may) phan tram\b|\bty le\b.*\bbao nhieu\b/, holds: DIGITS },
  {
    // Asking for a number, not a message that mentions one ("sđt lạ gửi link", "đổi số điện thoại", "nhắn xin số tài
    // khoản"); the cue within a few words of the number, not anywhere after it ("đăng ký nhầm bằng số điện thoại của
    // tôi… Mã đó là gì").
    asks: /\b(xin|cho xin|tim) (so dien thoai|sdt|so(?! (tai khoan|tk|the|otp|can cuoc|cccd)\b))\b|\b(so dien thoai|sdt|so tong dai|hotline|duong day nong|tong dai)(?: \S+){0,4} (la gi|la bao nhieu|bao nhieu|la so nao|o dau)\b|\b(goi|bao|nhan|lien he) (vao |den |toi )?so nao\b/,
    holds: /\d{3,}/,
  },
  { asks: /\b(ngay nao|thu may|may gio|hom nao|ngay may|lich hoc|lich tap huan|lich hop|lich thi)\b/, holds: DIGITS },
  { asks: /\b(dia chi|tru so)(?: \S+){0,4} o dau\b|\bo dia chi nao\b/, holds: /\b(dia chi|so nha|duong|pho|tru so)\b/ },
];

/**
 * Whether the passages (folded) hold every kind of fact the question asks for (true when it asks for none in
 * particular). The question comes in clauses: a cue does not run across them ("một ngày. Mấy hôm đầu" is not "ngày mấy").
 */
export function holdsAskedFacts(questionClauses: string[][], foldedPassages: string[]): boolean {
  const clauses = questionClauses.map((c) => c.map(fold).join(' '));
  return KINDS.every((k) => {
    const m = clauses.map((q) => k.asks.exec(q)).find((found) => found);
    if (!m) return true;
    const holds = typeof k.holds === 'function' ? k.holds(m) : k.holds;
    return foldedPassages.some((p) => holds.test(p));
  });
}
