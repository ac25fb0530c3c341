import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

const frontMatter = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'id must be a lowercase ascii slug'),
  title: z.string().min(3),
  source: z.string().min(3),
  updated: z.union([z.string(), z.date()]).transform((d) => (d instanceof Date ? d.toISOString().slice(0, 10) : d)),
  tags: z.array(z.string()).default([]),
});

export interface Article {
  id: string;
  title: string;
  source: string;
  updated: string;
  tags: string[];
  file: string;
}

/** One retrievable passage: an article's `##` section (or its introduction). */
export interface Chunk {
  id: string;
  articleId: string;
  title: string;
  heading: string;
  text: string;
  source: string;
  /** Questions in citizens' words that this passage answers (lines `? ...`); indexed, never shown. */
  samples: string[];
  /** The article's lead (the text before its first section): never an answer on its own. */
  intro: boolean;
}

export class KnowledgeError extends Error {}

/** Loads knowledge/articles/*.md; a malformed article stops the start, naming the file. */
export function loadArticles(knowledgeDir: string): { articles: Article[]; chunks: Chunk[]; hash: string } {
  const dir = path.join(knowledgeDir, 'articles');
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.md')).sort() : [];
  const hash = crypto.createHash('sha256');
  const articles: Article[] = [];
  const chunks: Chunk[] = [];
  const ids = new Set<string>();
  for (const f of files) {
    const file = path.join(dir, f);
    const raw = fs.readFileSync(file, 'utf8').normalize('NFC');
    hash.update(f).update('\0').update(raw).update('\0');
    const m = /^---\r?\n([\s\S]*?)\r?\n---\r?\n([\s\S]*)$/.exec(raw);
    if (!m) throw new KnowledgeError(`${file}: missing front matter (--- ... ---)`);
    let meta: z.infer<typeof frontMatter>;
    try {
      meta = frontMatter.parse(parseYaml(m[1]!));
    } catch (e) {
      const msg = e instanceof z.ZodError ? e.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') : String(e);
      throw new KnowledgeError(`${file}: invalid front matter: ${msg}`);
    }
    if (ids.has(meta.id)) throw new KnowledgeError(`${file}: duplicate article id ${meta.id}`);
    ids.add(meta.id);
    const article: Article = { ...meta, file };
    articles.push(article);
    chunks.push(...chunkArticle(article, m[2]!));
  }
  return { articles, chunks, hash: hash.digest('hex') };
}

/** Splits at `##` headings; each section stands alone, with the article's title for context. */
export function chunkArticle(article: Article, body: string): Chunk[] {
  const sections = body.split(/^## +/m);
  const intro = sections.shift()!.replace(/^# .*$/m, '').trim();
  const out: Chunk[] = [];
  const make = (heading: string, body: string, intro = false) => {
    const samples: string[] = [];
    const text = body.replace(/^\? +(.+?)\s*$/gm, (_, q: string) => {
      samples.push(q);
      return '';
    }).trim();
    // A section may name its own source on a last line "Nguồn: ...".
    const own = /\n?Nguồn: *(.+)\s*$/.exec(text);
    out.push({
      id: `${article.id}#${out.length}`,
      articleId: article.id,
      title: article.title,
      heading,
      text: (own ? text.slice(0, own.index) : text).trim(),
      source: own ? own[1]!.trim() : article.source,
      samples,
      intro,
    });
  };
  if (intro) make(article.title, intro, true);
  for (const s of sections) {
    const nl = s.indexOf('\n');
    const heading = (nl < 0 ? s : s.slice(0, nl)).trim();
    const text = nl < 0 ? '' : s.slice(nl + 1).trim();
    if (text) make(heading, text);
  }
  return out;
}
