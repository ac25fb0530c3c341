import fs from 'node:fs';
import path from 'node:path';
import hnswlib from 'hnswlib-node';
import type { Embedder } from './embeddings.js';

/** Room for sample questions staff add while the server runs, before the vector index grows. */
export const HEADROOM = 1000;
/** Nearest vectors looked at per question (HNSW search breadth is set to match). */
export const DENSE_K = 20;

/** The vectors of texts, in batches the embeddings service accepts. */
export async function embedAll(embedder: Embedder, texts: string[]): Promise<number[][]> {
  const out: number[][] = [];
  for (let i = 0; i < texts.length; i += 256) out.push(...(await embedder.embed(texts.slice(i, i + 256))));
  return out;
}

/** An HNSW index of the vectors, stored under `dir` with the knowledge's hash when given. */
export function buildVectors(embedded: number[][], dir: string | undefined, hash: string): hnswlib.HierarchicalNSW {
  const dimensions = embedded[0]?.length ?? 1;
  const vectors = new hnswlib.HierarchicalNSW('cosine', dimensions);
  vectors.initIndex({ maxElements: embedded.length + HEADROOM, m: 16, efConstruction: 100, randomSeed: 42 });
  embedded.forEach((v, i) => vectors.addPoint(v, i));
  vectors.setEf(DENSE_K * 2);
  if (dir) {
    fs.mkdirSync(dir, { recursive: true });
    // Temporary names, then rename: a crash mid-write leaves the old index or none.
    const file = (n: string) => path.join(dir, n);
    vectors.writeIndexSync(file('vectors.hnsw.tmp'));
    fs.writeFileSync(file('meta.json.tmp'), JSON.stringify({ hash, dimensions, count: embedded.length }));
    for (const n of ['vectors.hnsw', 'meta.json']) fs.renameSync(file(`${n}.tmp`), file(n));
  }
  return vectors;
}

/** The stored index, if it was built from the same knowledge (`hash`) and count; else undefined. */
export function readVectors(dir: string, hash: string, count: number): { index: hnswlib.HierarchicalNSW; embedded: number[][] } | undefined {
  const file = (n: string) => path.join(dir, n);
  try {
    const meta = JSON.parse(fs.readFileSync(file('meta.json'), 'utf8')) as { hash: string; dimensions: number; count: number };
    if (meta.hash !== hash || meta.count !== count) return undefined;
    const index = new hnswlib.HierarchicalNSW('cosine', meta.dimensions);
    index.readIndexSync(file('vectors.hnsw'));
    index.setEf(DENSE_K * 2);
    // The stored vectors themselves (unit length), for exact similarities of the best hits.
    return { index, embedded: Array.from({ length: count }, (_, i) => index.getPoint(i)) };
  } catch {
    return undefined;
  }
}
