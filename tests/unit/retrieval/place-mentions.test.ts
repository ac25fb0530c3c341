import { describe, expect, it } from 'vitest';
import { PlaceMentions } from '../../../src/retrieval/place-mentions.js';
import type { Chunk } from '../../../src/retrieval/knowledge.js';

const chunk = (heading: string, text: string) => ({ heading, text }) as Chunk;

describe('PlaceMentions', () => {
  const chunks = [
    chunk('Các xã cũ của huyện Mường Tè', 'Xã Pa Vệ Sử cũ nay thuộc xã Pa Ủ. Tỉnh Lai Châu.'),
    chunk('Các xã cũ của huyện Than Uyên', 'Xã Tà Hừa cũ nay là xã Mường Kim. Tỉnh Lai Châu.'),
    chunk('Bảo vệ dữ liệu', 'Lịch sử trình duyệt, bảo vệ tài khoản ở Lai Châu.'),
    chunk('VNeID', 'Tài khoản định danh ở Lai Châu.'),
    chunk('Lừa đảo', 'Nhiều người ở Lai Châu bị lừa.'),
  ];
  const places = new PlaceMentions(['Pa Vệ Sử', 'Tà Hừa', 'Lai Châu', 'Mường Kim', 'Bum'], chunks);

  it('finds the passage naming the whole place, typed with or without tone marks', () => {
    expect([...places.in('tôi ở Pa Vệ Sử cũ giờ là xã nào')]).toEqual([0]);
    expect([...places.in('nha e o ta hua cu')]).toEqual([1]);
  });

  it("ignores a place's syllables on their own, a place named everywhere, and one-word names", () => {
    expect(places.in('bảo vệ lịch sử tài khoản').size).toBe(0);
    expect(places.in('ở Lai Châu làm VNeID ở đâu').size).toBe(0);
    expect(places.in('xã Bum').size).toBe(0);
  });

  it('tells an address list (five places or more) from a passage that names a place in passing', () => {
    const list = chunk('Các xã cũ', 'Xã Pa Vệ Sử, xã Tà Hừa, xã Ka Lăng, xã Mường Kim, xã Nậm Tăm cũ nay thuộc các xã mới.');
    const p = new PlaceMentions(['Pa Vệ Sử', 'Tà Hừa', 'Ka Lăng', 'Mường Kim', 'Nậm Tăm'], [list, chunks[1]!]);
    expect(p.isList(0)).toBe(true);
    expect(p.isList(1)).toBe(false);
  });
});

