/**
 * Content check for writers: `npm run check:content`. Loads articles like the server does and lists
 * sections with fewer than 5 sample questions (`? ...` lines) and sources that citizens should not see.
 */
import { loadArticles } from '../src/retrieval/knowledge.js';

const { articles, chunks } = loadArticles(process.argv[2] ?? 'knowledge');
let problems = 0;
for (const c of chunks) {
  if (c.samples.length < 5) {
    problems++;
    console.log(`${c.articleId} · "${c.heading}": ${c.samples.length} sample questions (need 5)`);
  }
  if (/tài liệu tham khảo|tham khảo của dự án/i.test(c.source)) {
    problems++;
    console.log(`${c.articleId} · "${c.heading}": source mentions the project's reference files: ${c.source}`);
  }
}
const samples = chunks.reduce((n, c) => n + c.samples.length, 0);
console.log(`${articles.length} articles, ${chunks.length} sections, ${samples} sample questions; ${problems} problems`);
process.exitCode = problems ? 1 : 0;
