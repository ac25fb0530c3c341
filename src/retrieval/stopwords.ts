import { canonical, toneKey } from '../text/vietnamese.js';

/**
 * Question words and particles: they carry no topic. Folded forms. Used to down-weight query
 * terms and to leave them out of the confidence measure.
 */
export const STOPWORDS = new Set((
  'la gi cua va co khong duoc nhung cac cho toi minh ban em anh chi oi a ah nhe nha thi voi nhu the nao sao lam ' +
  'bao nhieu khi o dau ai hay hoac nay do muon hoi can phai bi ve trong mot nen de ma thoi vay roi ra vao sau ' +
  'truoc tren duoi gium giup xin chao cam on biet cho hoi muon hoi dang se da tu den neu vi nhieu it moi tat ca ' +
  'duoc khong a u ha huh di lai len xuong day kia nao gio ngay hom'
).split(' '));

/**
 * The same question words as typed with marks: a marked word is a question word only if it is one of these,
 * so "thẻ" (card) is a topic word although "thế" (so) is not.
 */
const MARKED_STOPWORDS = new Set((
  'là gì của và có không được những các cho tôi mình bạn em anh chị ơi à ạ nhé nha thì với như thế nào sao làm ' +
  'bao nhiêu khi ở đâu ai hay hoặc này đó muốn hỏi cần phải bị về trong một nên để mà thôi vậy rồi ra vào sau ' +
  'trước trên dưới giùm giúp xin chào cảm ơn biết cho đang sẽ đã từ đến nếu vì nhiều ít mới tất cả ' +
  'ừ hả huh đi lại lên xuống đây kia giờ ngày hôm'
).split(' ').map((w) => toneKey(canonical(w))));

/** Whether a word carries no topic; marked words are judged by their marks. */
export function isStopword(w: { folded: string; accented: string }): boolean {
  return w.accented !== w.folded ? MARKED_STOPWORDS.has(w.accented) : STOPWORDS.has(w.folded);
}
