import type { ConversationStore } from '../ports.js';
import type { SqlDriver } from './driver.js';

export class SqlConversations implements ConversationStore {
  constructor(private db: SqlDriver) {}

  async getState(sessionId: string): Promise<Record<string, unknown> | undefined> {
    const [row] = await this.db.query<{ state: unknown }>('SELECT state FROM conversation_state WHERE session_id = ?', [sessionId]);
    if (!row) return undefined;
    // SQLite keeps the JSON as text; PostgreSQL's JSONB comes back parsed.
    return (typeof row.state === 'string' ? JSON.parse(row.state) : row.state) as Record<string, unknown>;
  }

  async saveState(sessionId: string, state: Record<string, unknown>): Promise<void> {
    await this.db.run(`INSERT INTO conversation_state (session_id, state, updated_at) VALUES (?, ?, ?)
      ON CONFLICT (session_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`, [sessionId, JSON.stringify(state), Date.now()]);
  }

  async deleteState(sessionId: string): Promise<void> {
    await this.db.run('DELETE FROM conversation_state WHERE session_id = ?', [sessionId]);
  }

  /**
   * Moves states saved under the former `<channel>:<platform id>` ids (pseudonymous keys never hold a colon)
   * to the key `rekey` gives. Runs at start; a no-op once done. Returns how many moved.
   */
  async rekeyLegacy(rekey: (legacyId: string) => string): Promise<number> {
    let moved = 0;
    for (;;) {
      const rows = await this.db.query<{ session_id: string; state: unknown; updated_at: unknown }>(
        "SELECT session_id, state, updated_at FROM conversation_state WHERE session_id LIKE '%:%' LIMIT 500");
      if (!rows.length) return moved;
      for (const r of rows) {
        const state = typeof r.state === 'string' ? r.state : JSON.stringify(r.state);
        await this.db.batch([
          ['INSERT INTO conversation_state (session_id, state, updated_at) VALUES (?, ?, ?) ON CONFLICT (session_id) DO NOTHING', [rekey(r.session_id), state, r.updated_at]],
          ['DELETE FROM conversation_state WHERE session_id = ?', [r.session_id]],
        ]);
        moved++;
      }
    }
  }
}
