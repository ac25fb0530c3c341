import { describe, expect, it } from 'vitest';
import { Lexicon } from '../../../src/text/lexicon.js';
import { ScopeModel } from '../../../src/retrieval/scope-model.js';

const lexicon = Lexicon.load('knowledge');

function model(): ScopeModel {
  const m = new ScopeModel(lexicon);
  for (const t of ['làm căn cước điện tử ở đâu', 'bị lừa chuyển tiền thì báo ai', 'đăng ký tài khoản định danh mức 2', 'nộp hồ sơ trên dịch vụ công']) m.add(t, 'in');
  for (const t of ['lúa bị vàng lá phun thuốc gì', 'bò bỏ ăn chữa thế nào', 'giá lúa hôm nay bao nhiêu', 'lợn bị sốt cho uống thuốc gì']) m.add(t, 'out');
  return m;
}

describe('ScopeModel', () => {
  it('reads a message like the out-of-scope examples as out, one like the knowledge base as in, and an unknown one as neither', () => {
    const m = model();
    expect(m.outOdds('lua nha toi bi vang la')).toBeGreaterThan(0);
    expect(m.outOdds('con bò nhà em bị sốt')).toBeGreaterThan(0);
    expect(m.outOdds('căn cước điện tử làm ở đâu')).toBeLessThan(0);
    expect(m.outOdds('xyz qwerty')).toBe(0);
  });

  it('tells words apart by their tone marks when typed with them ("lúa" is rice, "lừa" a scam)', () => {
    const m = model();
    expect(m.outOdds('lừa')).toBeLessThan(m.outOdds('lúa'));
  });

  it('reads past chat filler and address words: a short question is mostly them', () => {
    const m = model();
    // People who ask about the weather write "ad ơi" too: that must not make "ad" a sign of the weather.
    for (const t of ['mai có mưa không ad ơi', 'trời rét không ad', 'ad ơi giá vàng hôm nay']) m.add(t, 'out');
    expect(m.outOdds('căn cước điện tử làm ở đâu vậy ad ạ')).toBeCloseTo(m.outOdds('căn cước điện tử làm ở đâu'), 6);
    expect(m.outOdds('căn cước điện tử làm ở đâu vậy ad ạ')).toBeLessThan(0);
  });

  it('reads a word no example has through the search\'s spelling correction, when it has one', () => {
    const m = model();
    const typo = m.outOdds('làm căn cuok ở đâu');
    m.speller = (w) => (w === 'cuok' ? 'cuoc' : undefined);
    expect(m.outOdds('làm căn cuok ở đâu')).toBeLessThan(typo);
    expect(m.outOdds('làm căn cuok ở đâu')).toBeCloseTo(m.outOdds('làm căn cuoc ở đâu'), 6);
  });

  it('learns from a staff mark and forgets it when the mark is taken back', () => {
    const m = model();
    const before = m.outOdds('xem bói tuổi');
    m.add('xem bói tuổi con gì', 'out');
    expect(m.outOdds('xem bói tuổi')).toBeGreaterThan(before);
    m.remove('xem bói tuổi con gì', 'out');
    expect(m.outOdds('xem bói tuổi')).toBeCloseTo(before, 6);
  });

  it('leaves place names out: where someone lives says nothing about what they ask', () => {
    const m = new ScopeModel(lexicon, ['Sìn Hồ', 'Tam Đường']);
    for (const t of ['xã Sìn Hồ làm căn cước điện tử ở đâu', 'Tam Đường nộp hồ sơ dịch vụ công', 'Sìn Hồ đăng ký định danh']) m.add(t, 'in');
    for (const t of ['mai có mưa không', 'trời rét quá', 'mưa to sạt đường']) m.add(t, 'out');
    expect(m.outOdds('mai Sìn Hồ có mưa không')).toBeCloseTo(m.outOdds('mai có mưa không'), 6);
    expect(m.outOdds('mai sin ho co mua ko')).toBeGreaterThan(0);
    // Without the list, the place pulls the weather towards the knowledge base.
    const unaware = new ScopeModel(lexicon);
    for (const t of ['xã Sìn Hồ làm căn cước điện tử ở đâu', 'Tam Đường nộp hồ sơ dịch vụ công', 'Sìn Hồ đăng ký định danh']) unaware.add(t, 'in');
    for (const t of ['mai có mưa không', 'trời rét quá', 'mưa to sạt đường']) unaware.add(t, 'out');
    expect(unaware.outOdds('mai Sìn Hồ có mưa không')).toBeLessThan(m.outOdds('mai Sìn Hồ có mưa không'));
  });
});
