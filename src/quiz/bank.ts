import fs from 'node:fs';
import path from 'node:path';
import { LineCounter, parseDocument, isNode } from 'yaml';
import { z } from 'zod';

const questionSchema = z.object({
  id: z.string().regex(/^[a-z0-9_-]{1,12}$/),
  question: z.string().min(5).max(300),
  options: z.array(z.string().min(1).max(120)).min(2).max(4),
  answer: z.number().int().min(1),
  explanation: z.string().min(5).max(300),
  source: z.string().min(3).optional(),
}).strict().refine((q) => q.answer <= q.options.length, { message: 'answer must be the 1-based number of one of the options', path: ['answer'] });

const quizSchema = z.object({
  id: z.string().regex(/^[a-z0-9-]{1,12}$/, 'id: lowercase ascii, at most 12 characters'),
  title: z.string().min(3).max(60),
  intro: z.string().min(3),
  source: z.string().min(3),
  questions: z.array(questionSchema).min(10, 'a quiz needs at least 10 questions'),
}).strict();

export type QuizQuestion = z.infer<typeof questionSchema>;
export type Quiz = z.infer<typeof quizSchema>;

export class QuizError extends Error {}

/** Loads knowledge/quizzes/*.yaml; a malformed file stops the start, naming the file, line and question. */
export function loadQuizzes(knowledgeDir: string): Quiz[] {
  const dir = path.join(knowledgeDir, 'quizzes');
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort() : [];
  const quizzes: Quiz[] = [];
  for (const f of files) {
    const file = path.join(dir, f);
    const lines = new LineCounter();
    const doc = parseDocument(fs.readFileSync(file, 'utf8'), { lineCounter: lines });
    if (doc.errors.length) {
      const e = doc.errors[0]!;
      const p = lines.linePos(e.pos[0]);
      throw new QuizError(`${file}:${p.line}: ${e.message.split('\n')[0]}`);
    }
    const parsed = quizSchema.safeParse(doc.toJS());
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      let node: unknown;
      for (let i = issue.path.length; i >= 0 && !isNode(node); i--) node = doc.getIn(issue.path.slice(0, i) as (string | number)[], true);
      const line = isNode(node) && node.range ? lines.linePos(node.range[0]).line : 1;
      const qi = issue.path[0] === 'questions' ? Number(issue.path[1]) : -1;
      const qid = qi >= 0 ? ` (question ${qi + 1}${(doc.toJS() as Quiz).questions?.[qi]?.id ? ` "${(doc.toJS() as Quiz).questions[qi]!.id}"` : ''})` : '';
      throw new QuizError(`${file}:${line}${qid}: ${issue.path.join('.')}: ${issue.message}`);
    }
    const quiz = parsed.data;
    if (`${quiz.id}.yaml` !== f && `${quiz.id}.yml` !== f) throw new QuizError(`${file}: id "${quiz.id}" must match the file name`);
    const ids = new Set<string>();
    for (const q of quiz.questions) {
      if (ids.has(q.id)) throw new QuizError(`${file}: question id "${q.id}" is used twice`);
      ids.add(q.id);
    }
    quizzes.push(quiz);
  }
  return quizzes;
}
