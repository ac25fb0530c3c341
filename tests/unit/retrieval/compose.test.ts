import { describe, expect, it } from 'vitest';
import { answerParts, composeAnswer, screens } from '../../../src/retrieval/compose.js';
import type { Hit } from '../../../src/retrieval/hybrid.js';
import type { Chunk } from '../../../src/retrieval/knowledge.js';

const chunk = (id: string, heading: string, text: string, intro = false, articleId = id.split('#')[0]!): Chunk =>
  ({ id, articleId, title: `Bài ${articleId}`, heading, text, source: `Nguồn ${articleId}`, samples: [], intro });
const hit = (c: Chunk, score: number, confidence = 0.9): Hit => ({ doc: 0, chunk: c, score, confidence });

const lead = chunk('a#0', 'Bài a', 'Lời dẫn ngắn của bài.', true);
const s1 = chunk('a#1', 'Mục một là gì?', 'Mục một trả lời câu hỏi.');
const s2 = chunk('a#2', 'Mục hai là gì?', 'Mục hai trả lời thêm.');
const other = chunk('b#1', 'Bài khác?', 'Nội dung khác.');
const sections = (articleId: string) => [lead, s1, s2].filter((c) => c.articleId === articleId);

describe('answer composition', () => {
  it('never gives an article\'s lead alone: the best matching section, else the first, follows it', () => {
    expect(answerParts([hit(lead, 1), hit(other, 0.9), hit(s2, 0.8)], sections, 0.5)).toEqual([lead, s2]);
    expect(answerParts([hit(lead, 1), hit(other, 0.9)], sections, 0.5)).toEqual([lead, s1]);
  });

  it('joins a second section of the same article only when it matched almost as well and confidently', () => {
    expect(answerParts([hit(s1, 1), hit(s2, 0.9)], sections, 0.5)).toEqual([s1, s2]);
    expect(answerParts([hit(s1, 1), hit(s2, 0.7)], sections, 0.5)).toEqual([s1]);
    expect(answerParts([hit(s1, 1), hit(s2, 0.9, 0.3)], sections, 0.5)).toEqual([s1]);
    expect(answerParts([hit(s1, 1), hit(other, 0.99)], sections, 0.5)).toEqual([s1]);
  });

  it('puts each section under its heading and names every source once', () => {
    const a = composeAnswer([lead, s1]);
    expect(a.pages).toEqual(['Lời dẫn ngắn của bài.\n\nMục một là gì?\nMục một trả lời câu hỏi.']);
    expect(a.source).toBe('Nguồn a (bài “Bài a”)');
  });

  it('cuts a long text into phone screens at paragraph or sentence ends, losing nothing', () => {
    const text = Array.from({ length: 30 }, (_, i) => `Câu số ${i + 1} nói một điều có ích cho bà con.`).join(' ');
    const pages = screens(text, 200);
    expect(pages.length).toBeGreaterThan(3);
    for (const p of pages) expect(p.length).toBeLessThanOrEqual(200);
    for (const p of pages.slice(0, -1)) expect(p).toMatch(/\.$/);
    expect(pages.join(' ')).toBe(text);
  });
});
