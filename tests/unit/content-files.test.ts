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
