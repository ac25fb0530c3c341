import type { RetentionStore } from '../ports.js';
import type { Purged } from '../types.js';
import type { SqlDriver } from './driver.js';

export class SqlRetention implements RetentionStore {
  constructor(private db: SqlDriver) {}

  async purgeOlderThan(cutoff: Date): Promise<Purged> {
    const t = cutoff.getTime();
    const [inbox, unanswered, conversations] = await this.db.batch([
      ['DELETE FROM inbox WHERE received_at < ?', [t]],
      ['DELETE FROM unanswered WHERE at < ?', [t]],
      // Consented people keep their conversation (and their "already greeted") until they erase it themselves.
      ['DELETE FROM conversation_state WHERE updated_at < ? AND session_id NOT IN (SELECT user_key FROM profiles)', [t]],
    ]);
    return { inbox: inbox!, unanswered: unanswered!, conversations: conversations! };
  }
}
