import type { Store } from '../ports.js';
import { ddl, type SqlDriver } from './driver.js';
import { MIGRATIONS } from './schema.js';
import { SqlConversations } from './conversations.js';
import { SqlInbox } from './inbox.js';
import { SqlParticipation } from './participation.js';
import { SqlRetention } from './retention.js';
import { SqlSettings } from './settings.js';
import { SqlStaff } from './staff.js';
import { SqlSubscriptions } from './subscriptions.js';
import { SqlBroadcasts } from './broadcasts.js';
import { SqlHandoffs } from './handoffs.js';
import { SqlKnowledgeEdits } from './knowledge-edits.js';

/** Every storage port over one SQL driver. */
export function sqlStore(db: SqlDriver): Store {
  return {
    kind: db.kind,
    conversations: new SqlConversations(db),
    inbox: new SqlInbox(db),
    participation: new SqlParticipation(db),
    staff: new SqlStaff(db),
    settings: new SqlSettings(db),
    outreach: { subscriptions: new SqlSubscriptions(db), broadcasts: new SqlBroadcasts(db), handoffs: new SqlHandoffs(db) },
    retention: new SqlRetention(db),
    knowledge: new SqlKnowledgeEdits(db),
    migrate: () => db.migrate(MIGRATIONS.map((m) => ddl(db, m))),
    ping: () => db.ping(),
    close: () => db.close(),
  };
}
