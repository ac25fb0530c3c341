import fs from 'node:fs';
import { isNode, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';

/** A content file (flows, quizzes, lexicon, ...) that cannot be used; the message names file and line. */
export class ContentError extends Error {}

export interface ParsedYaml {
  file: string;
  doc: Document.Parsed;
  /** "file:line:col" of a path in the document (the deepest node that exists on it). */
  where(path: readonly PropertyKey[]): string;
}

/** Parses a YAML file keeping positions; a syntax error stops with file, line and column. */
export function parseYamlFile(file: string): ParsedYaml {
  const lines = new LineCounter();
  const doc = parseDocument(fs.readFileSync(file, 'utf8'), { lineCounter: lines, prettyErrors: true });
  const at = (offset: number | undefined) => {
    const p = lines.linePos(offset ?? 0);
    return `${file}:${p.line}:${p.col}`;
  };
  if (doc.errors.length) throw new ContentError(`${at(doc.errors[0]!.pos[0])}: ${doc.errors[0]!.message.split('\n')[0]}`);
  return {
    file, doc,
    where(path) {
      let node: unknown;
      for (let i = path.length; i >= 0 && !isNode(node); i--) node = doc.getIn(path.slice(0, i) as (string | number)[], true);
      return at(isNode(node) ? node.range?.[0] : undefined);
    },
  };
}

/** Reads and validates a YAML content file; the first problem stops the start, naming file, line and field. */
export function readYamlFile<S extends z.ZodType>(file: string, schema: S): z.infer<S> {
  const y = parseYamlFile(file);
  const parsed = schema.safeParse(y.doc.toJS());
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new ContentError(`${y.where(issue.path)}: ${issue.path.join('.') || '(file)'}: ${issue.message}`);
}
