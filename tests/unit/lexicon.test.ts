import { describe, expect, it } from 'vitest';
import { Lexicon } from '../../src/text/lexicon.js';

const lexicon = Lexicon.load('knowledge');

describe('Lexicon (knowledge/lexicon.yaml)', () => {
  it('reads a number with its unit: money, percent, age', () => {
    expect(lexicon.words('mất 5tr')).toEqual(['mất', '5', 'triệu']);
    expect(lexicon.words('2tr5')).toEqual(['2', 'triệu', '5']);
    expect(lexicon.words('bố e 65t rồi')).toContain('tuổi');
  });

  it('splits letters glued to a number, with or without marks ("nq57", "quyết57")', () => {
    expect(lexicon.words('nghị quyết57')).toEqual(['nghị', 'quyết', '57']);
    expect(lexicon.words('nq57')).toEqual(['nghị', 'quyết', '57']);
  });

  it('marks a clause that says who or where the asker is as context, not a narrative opening', () => {
    const roles = (t: string) => lexicon.read(t).words.filter((w) => w.role !== 'filler').map((w) => w.role);
    expect(roles('tôi là trưởng bản, VNeID mức 2 làm ở đâu')[0]).toBe('context');
    expect(roles('mẹ tôi bị lừa mất tiền')).not.toContain('context');
    // The question may follow in the same clause: from "thì", "muốn", ... on, it is the question.
    const read = (t: string) => lexicon.read(t).words.map((w) => `${w.folded}:${w.role === 'context' ? 'x' : w.role[0]}`).join(' ');
    expect(read('nghe tivi nói suốt, tôi là người dân thì làm được gì để góp phần')).toMatch(/dan:x .*gop:c phan:c/);
    expect(read('nghe tivi nói suốt, tôi là người dân thì làm được gì để góp phần')).toMatch(/nguoi:x dan:x/);
    expect(read('toi la can bo phu trach thi dua, xa minh duoc cham diem the nao')).toMatch(/thi:x dua:x/);
  });
});
