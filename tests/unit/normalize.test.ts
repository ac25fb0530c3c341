import { describe, expect, it } from 'vitest';
import { analyse, canonical, fold, matchKey, toneKey } from '../../src/text/vietnamese.js';

describe('Vietnamese normalisation', () => {
  it('treats NFC and NFD input alike', () => {
    const nfc = 'Bình dân học vụ số'.normalize('NFC');
    const nfd = nfc.normalize('NFD');
    expect(nfd).not.toBe(nfc);
    expect(analyse(nfd)).toEqual(analyse(nfc));
  });

  it('reads the two spellings "kĩ/kỹ", "lí/lý", "quí/quý" alike, but leaves "mi", "ti" and a lone "í" alone', () => {
    expect(analyse('học kĩ năng, lí do, quí')).toEqual(analyse('học kỹ năng, lý do, quý'));
    expect(fold('mi mắt ti vi')).toBe('mi mat ti vi');
    expect(analyse('ý kiến').accented).not.toEqual(analyse('í kiến').accented);
  });

  it('reads a key held down ("gìì", "nhéé", "hìnhh") as typed once; unmarked words ("app", "cntt") and bare doubled vowels (Telex) stay', () => {
    expect(canonical('có những gìì')).toBe('có những gì');
    expect(canonical('tôôi là nông dân')).toBe('tôi là nông dân');
    expect(canonical('Được nhéééé')).toBe('được nhé');
    expect(canonical('xoong')).toBe('xoong');
    expect(canonical('màn hìnhh, uy tínn, họcc gì')).toBe('màn hình, uy tín, học gì');
    expect(canonical('cài app, acc fb, cntt, bb')).toBe('cài app, acc fb, cntt, bb');
  });

  it('ignores old versus new tone placement', () => {
    expect(toneKey('hoà')).toBe(toneKey('hòa'));
    expect(toneKey('thuý')).toBe(toneKey('thúy'));
    expect(toneKey('uỷ')).toBe(toneKey('ủy'));
    expect(toneKey('hoà')).not.toBe(toneKey('hoá'));
  });

  it('folds marks and đ for input typed without tone marks', () => {
    expect(fold('Đổi mới sáng tạo')).toBe('doi moi sang tao');
    expect(analyse('Chuyển đổi số').folded).toEqual(analyse('chuyen doi so').folded);
  });

  it('expands teencode only where it was typed without marks', () => {
    expect(matchKey('ko đc j')).toBe('khong duoc gi');
    expect(matchKey('dc ntn')).toBe('duoc nhu the nao');
    expect(matchKey('sdt cccd dvc')).toBe('so dien thoai can cuoc cong dan dich vu cong');
    expect(analyse('giá').folded).toEqual(['gia']);
  });

  it('reads "nđ" as nghị định and "nd" as nội dung', () => {
    expect(matchKey('nđ 13')).toBe('nghi dinh 13');
    expect(matchKey('nd thi dua')).toBe('noi dung thi dua');
  });

  it('treats words that name JavaScript object properties as plain words', () => {
    expect(matchKey('constructor toString __proto__ hasOwnProperty')).toBe('constructor tostring proto hasownproperty');
  });

  it('drops punctuation and case', () => {
    expect(matchKey('  Hỏi-đáp!!! ')).toBe('hoi dap');
  });
});
