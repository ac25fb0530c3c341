import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Flows, FlowError } from '../../src/dialog/flows.js';
import { loadQuizzes, QuizError } from '../../src/quiz/bank.js';
import { loadArticles } from '../../src/retrieval/knowledge.js';
import { tempDir } from '../helpers/app.js';

describe('flow files', () => {
  it('loads the shipped flows', () => {
    const flows = Flows.load('flows');
    expect(flows.find({ text: 'HUONG DAN' })?.name).toBe('help');
    expect(flows.find({ payload: 'MENU' })?.name).toBe('menu');
  });

  it('stops with file and line for a malformed flow', () => {
    const dir = tempDir();
    fs.copyFileSync('flows/main.yaml', path.join(dir, 'main.yaml'));
    fs.writeFileSync(path.join(dir, 'broken.yaml'), 'nodes:\n  extra:\n    text: "ok"\n    buttons:\n      - { title: "A", payload: }\n      - titel: "B"\n');
    expect(() => Flows.load(dir)).toThrow(FlowError);
    expect(() => Flows.load(dir)).toThrow(/broken\.yaml:5/);
    fs.writeFileSync(path.join(dir, 'broken.yaml'), 'nodes:\n  extra:\n    text: "unterminated\n');
    expect(() => Flows.load(dir)).toThrow(/broken\.yaml:\d+/);
  });
});

describe('quiz bank', () => {
  it('ships at least 6 quizzes of at least 10 questions', () => {
    const quizzes = loadQuizzes('knowledge');
    expect(quizzes.length).toBeGreaterThanOrEqual(6);
    for (const q of quizzes) expect(q.questions.length).toBeGreaterThanOrEqual(10);
  });

  it('names a real document as every question\'s source, and the flows promise the real number of questions', () => {
    const quizzes = loadQuizzes('knowledge');
    for (const quiz of quizzes) {
      for (const q of quiz.questions) {
        const source = q.source ?? quiz.source;
        expect(source, `${quiz.id}/${q.id}`).not.toMatch(/tài liệu tham khảo của dự án|\.md\b|\.ya?ml\b|tệp tham chiếu/i);
        // A law, decree, decision, plan, agency, handbook or newspaper: a name a citizen can look up.
        expect(source, `${quiz.id}/${q.id}`).toMatch(/Luật|Nghị định|Nghị quyết|Quyết định|Chỉ thị|Kế hoạch|Sắc lệnh|Bộ |Cục |Ngân hàng|Cẩm nang|Khuyến|báo |Nền tảng|Cổng/);
      }
    }
    const counts = new Set(quizzes.map((q) => q.questions.length));
    expect(counts).toEqual(new Set([12]));
    const flows = fs.readFileSync('flows/main.yaml', 'utf8') + fs.readFileSync('flows/quiz.yaml', 'utf8');
    expect(flows).not.toMatch(/khoảng 10 câu/);
    for (const m of flows.matchAll(/mỗi bài (\d+) câu/g)) expect(counts.has(Number(m[1]))).toBe(true);
  });

  it('names file and question when a quiz is malformed', () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'quizzes'));
    const good = fs.readFileSync('knowledge/quizzes/lua-dao.yaml', 'utf8');
    // Break the answer of the third question: points past the options.
    let count = 0;
    const broken = good.replace(/answer: \d/g, (m) => (++count === 3 ? 'answer: 9' : m));
    fs.writeFileSync(path.join(dir, 'quizzes', 'lua-dao.yaml'), broken);
    expect(() => loadQuizzes(dir)).toThrow(QuizError);
    expect(() => loadQuizzes(dir)).toThrow(/lua-dao\.yaml:\d+ \(question 3 "q03"\): questions\.2\.answer/);
  });
});

describe('knowledge articles', () => {
  it('ships at least 40 articles, each chunked with a source a citizen can read', () => {
    const { articles, chunks } = loadArticles('knowledge');
    expect(articles.length).toBeGreaterThanOrEqual(40);
    for (const c of chunks) {
      expect(c.source.length).toBeGreaterThan(3);
      expect(c.text.length).toBeGreaterThan(20);
      // Sources are shown to citizens: name the document, never the project's working files.
      expect(c.source, c.id).not.toMatch(/\.md\b|tệp tham chiếu|^Kế hoạch,/);
    }
  });
});
