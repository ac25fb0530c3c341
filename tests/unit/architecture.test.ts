import fs from 'node:fs';
import path from 'node:path';
import madge from 'madge';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/** The shape the codebase promises (docs/architecture.md): no cycles, a core that depends on nothing, small files and functions. */

const SRC = path.resolve('src');
const files = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true })
  .flatMap((d) => (d.isDirectory() ? files(path.join(dir, d.name)) : d.name.endsWith('.ts') ? [path.join(dir, d.name)] : []));
const sources = files(SRC);
const rel = (f: string) => path.relative(process.cwd(), f);

/** Every function-like node with its line span. */
function functions(file: string): { name: string; lines: number }[] {
  const text = fs.readFileSync(file, 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: { name: string; lines: number }[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
      const end = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
      const name = node.name && ts.isIdentifier(node.name) ? node.name.text : `(anonymous at line ${start + 1})`;
      out.push({ name, lines: end - start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

describe('architecture', () => {
  it('has no import cycles', async () => {
    const graph = await madge(SRC, { fileExtensions: ['ts'], tsConfig: 'tsconfig.json' });
    expect(graph.circular()).toEqual([]);
  });

  it('keeps the core a leaf: src/core imports only src/core', () => {
    for (const f of sources.filter((s) => s.includes(`${path.sep}core${path.sep}`))) {
      const imports = [...fs.readFileSync(f, 'utf8').matchAll(/from '([^']+)'/g)].map((m) => m[1]!);
      expect(imports.filter((i) => !i.startsWith('./')), rel(f)).toEqual([]);
    }
  });

  it('has no file over 300 lines and no function over 60', () => {
    const long = sources.map((f) => [rel(f), fs.readFileSync(f, 'utf8').split('\n').length] as const).filter(([, n]) => n > 300);
    expect(long).toEqual([]);
    const longFns = sources.flatMap((f) => functions(f).filter((fn) => fn.lines > 60).map((fn) => `${rel(f)}: ${fn.name} (${fn.lines} lines)`));
    expect(longFns).toEqual([]);
  });
});
