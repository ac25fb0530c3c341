import type { KnowledgeEditStore } from '../ports.js';
import type { KnowledgeEdit } from '../types.js';
import { num, numOrNull, type SqlDriver } from './driver.js';

interface Row { id: unknown; at: unknown; author: string; kind: KnowledgeEdit['kind']; text: string | null; chunk_id: string | null; undoes: unknown }

export class SqlKnowledgeEdits implements KnowledgeEditStore {
  constructor(private db: SqlDriver) {}

  async addKnowledgeEdit(e: Omit<KnowledgeEdit, 'id'>, resolves: number[]): Promise<void> {
    const ids = resolves.filter(Number.isSafeInteger);
    await this.db.batch([
      ['INSERT INTO knowledge_edits (at, author, kind, text, chunk_id, undoes) VALUES (?, ?, ?, ?, ?, ?)', [e.at.getTime(), e.author, e.kind, e.text, e.chunkId, e.undoes]],
      ...(ids.length ? [[`UPDATE unanswered SET resolution = ? WHERE resolution IS NULL AND id IN (${ids.map(() => '?').join(', ')})`, [e.kind, ...ids]] as [string, unknown[]]] : []),
    ]);
  }

  async listKnowledgeEdits(afterId: number): Promise<KnowledgeEdit[]> {
    const rows = await this.db.query<Row>('SELECT * FROM knowledge_edits WHERE id > ? ORDER BY id', [afterId]);
    return rows.map((r) => ({
      id: num(r.id), at: new Date(num(r.at)), author: r.author, kind: r.kind, text: r.text, chunkId: r.chunk_id, undoes: numOrNull(r.undoes),
    }));
  }
}
