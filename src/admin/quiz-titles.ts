import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

/**
 * Quiz id -> title, read from knowledge/quizzes/*.yaml only to label reports. Tolerant on purpose:
 * a quiz file the quiz module rejects must not break the dashboard, it just shows the id.
 */
export function loadQuizTitles(knowledgeDir: string): Map<string, string> {
  const titles = new Map<string, string>();
  const dir = path.join(knowledgeDir, 'quizzes');
  let files: string[] = [];
  try { files = fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort(); } catch { return titles; }
  for (const f of files) {
    try {
      const doc = parse(fs.readFileSync(path.join(dir, f), 'utf8')) as { id?: unknown; title?: unknown } | null;
      const id = typeof doc?.id === 'string' ? doc.id : f.replace(/\.ya?ml$/, '');
      if (typeof doc?.title === 'string') titles.set(id, doc.title);
    } catch { /* unreadable file: the id is shown instead */ }
  }
  return titles;
}
