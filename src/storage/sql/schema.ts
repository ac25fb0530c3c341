/**
 * Ordered and append-only: a migration once shipped is never edited. `{id}`, `{bigint}`, `{json}` and
 * `{bool}` are the driver's column types (see driver.ts); times are epoch milliseconds.
 */
export const MIGRATIONS: string[] = [
  `CREATE TABLE conversation_state (session_id TEXT PRIMARY KEY, state {json} NOT NULL, updated_at {bigint} NOT NULL);
   CREATE TABLE profiles (user_key TEXT PRIMARY KEY, channel TEXT NOT NULL, consent_at {bigint} NOT NULL, organisation TEXT, unit TEXT);
   CREATE TABLE events (id {id}, at {bigint} NOT NULL, type TEXT NOT NULL, channel TEXT NOT NULL,
     user_key TEXT, organisation TEXT, unit TEXT, quiz_id TEXT, score INTEGER, total INTEGER, passed {bool});
   CREATE INDEX events_at ON events (at);
   CREATE INDEX events_user ON events (user_key);
   CREATE TABLE unanswered (id {id}, at {bigint} NOT NULL, channel TEXT NOT NULL, text TEXT NOT NULL);
   CREATE TABLE completion_codes (code TEXT PRIMARY KEY, quiz_id TEXT NOT NULL, score INTEGER NOT NULL, total INTEGER NOT NULL,
     at {bigint} NOT NULL, user_key TEXT);
   CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
   CREATE TABLE staff_users (username TEXT PRIMARY KEY, password_hash TEXT NOT NULL, role TEXT NOT NULL, organisation TEXT);
   CREATE TABLE staff_sessions (token TEXT PRIMARY KEY, username TEXT NOT NULL, expires_at {bigint} NOT NULL);
   CREATE TABLE audit_log (id {id}, at {bigint} NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, detail TEXT NOT NULL);`,
  // Inbound platform messages: stored before the webhook is acknowledged, the dedup point for redeliveries.
  // leased_until: while a process handles a row, it holds a lease that the others respect.
  `CREATE TABLE inbox (channel TEXT NOT NULL, message_id TEXT NOT NULL, user_id TEXT NOT NULL, event TEXT NOT NULL,
     status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done')), received_at {bigint} NOT NULL,
     attempts INTEGER NOT NULL DEFAULT 0, leased_until {bigint} NOT NULL DEFAULT 0, PRIMARY KEY (channel, message_id));
   CREATE INDEX inbox_pending ON inbox (channel, received_at) WHERE status = 'pending';`,
  // Quiz attempts done before consent: their random id, so the person can claim them when they agree.
  `ALTER TABLE events ADD COLUMN attempt_id TEXT;
   CREATE INDEX events_attempt ON events (attempt_id) WHERE attempt_id IS NOT NULL;
   ALTER TABLE completion_codes ADD COLUMN attempt_id TEXT;
   CREATE INDEX completion_codes_attempt ON completion_codes (attempt_id) WHERE attempt_id IS NOT NULL;
   CREATE INDEX completion_codes_user ON completion_codes (user_key);`,
  // Why an answer did not help (one tap, no free text), by the article it came from: for staff.
  `CREATE TABLE feedback_reasons (id {id}, at {bigint} NOT NULL, channel TEXT NOT NULL, topic TEXT NOT NULL, reason TEXT NOT NULL);
   CREATE INDEX feedback_reasons_at ON feedback_reasons (at);`,
  // Outreach: contacts (the raw id, only while someone subscribes or talks to staff), subscriptions, announcements with
  // one leased delivery row per recipient, and conversations handed to staff. Keyed by the pseudonymous user key.
  `CREATE TABLE contacts (user_key TEXT PRIMARY KEY, channel TEXT NOT NULL, user_id TEXT NOT NULL, address TEXT, last_seen {bigint} NOT NULL);
   CREATE TABLE subscriptions (user_key TEXT PRIMARY KEY, channel TEXT NOT NULL,
     status TEXT NOT NULL CHECK (status IN ('active', 'unsubscribed', 'gone')), consent_at {bigint} NOT NULL, changed_at {bigint} NOT NULL, reason TEXT);
   CREATE INDEX subscriptions_status ON subscriptions (status, channel);
   CREATE TABLE broadcasts (id TEXT PRIMARY KEY, created_at {bigint} NOT NULL, created_by TEXT NOT NULL, text TEXT NOT NULL, buttons TEXT NOT NULL,
     channel TEXT, organisation TEXT, unit TEXT, status TEXT NOT NULL, sent_at {bigint}, finished_at {bigint});
   CREATE TABLE deliveries (id {id}, broadcast_id TEXT NOT NULL, user_key TEXT, channel TEXT NOT NULL,
     status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed', 'later', 'skipped')), reason TEXT,
     attempts INTEGER NOT NULL DEFAULT 0, leased_until {bigint} NOT NULL DEFAULT 0, updated_at {bigint} NOT NULL);
   CREATE UNIQUE INDEX deliveries_recipient ON deliveries (broadcast_id, user_key);
   CREATE INDEX deliveries_status ON deliveries (broadcast_id, status, id);
   CREATE INDEX deliveries_person ON deliveries (user_key, status);
   CREATE TABLE handoffs (id TEXT PRIMARY KEY, user_key TEXT, channel TEXT NOT NULL, status TEXT NOT NULL CHECK (status IN ('waiting', 'open', 'closed')),
     organisation TEXT, unit TEXT, requested_at {bigint} NOT NULL, answered_at {bigint}, closed_at {bigint}, closed_reason TEXT,
     last_message_at {bigint} NOT NULL, back_notified INTEGER NOT NULL DEFAULT 0);
   CREATE INDEX handoffs_status ON handoffs (status, requested_at);
   CREATE INDEX handoffs_person ON handoffs (user_key, status);
   CREATE UNIQUE INDEX handoffs_one_active ON handoffs (user_key) WHERE status <> 'closed';
   CREATE TABLE handoff_messages (id {id}, handoff_id TEXT NOT NULL, sender TEXT NOT NULL, author TEXT, text TEXT NOT NULL, at {bigint} NOT NULL,
     delivered INTEGER NOT NULL DEFAULT 1);
   CREATE INDEX handoff_messages_conversation ON handoff_messages (handoff_id, id);`,
  // Privacy: unanswered texts linked to the pseudonymous key (erasable with the person's data); indexes for
  // erasure (pending inbox rows by platform id, staff sessions by account) and for the retention purge.
  `ALTER TABLE unanswered ADD COLUMN user_key TEXT;
   CREATE INDEX unanswered_user ON unanswered (user_key);
   CREATE INDEX unanswered_at ON unanswered (at);
   CREATE INDEX conversation_state_updated ON conversation_state (updated_at);
   CREATE INDEX inbox_received ON inbox (received_at);
   CREATE INDEX inbox_pending_user ON inbox (channel, user_id) WHERE status = 'pending';
   CREATE INDEX staff_sessions_user ON staff_sessions (username);`,
  // The staff loop: sample questions attached to sections and questions marked out of scope, as an append-only
  // log every instance replays (an undo is an edit too); unanswered questions dealt with are marked, not deleted.
  `CREATE TABLE knowledge_edits (id {id}, at {bigint} NOT NULL, author TEXT NOT NULL,
     kind TEXT NOT NULL CHECK (kind IN ('sample', 'out_of_scope', 'undo')), text TEXT, chunk_id TEXT, undoes INTEGER);
   ALTER TABLE unanswered ADD COLUMN resolution TEXT;`,
  // Scam checks: the verdict and the kinds of signal found (comma-separated), never the message or the image.
  `ALTER TABLE events ADD COLUMN verdict TEXT;
   ALTER TABLE events ADD COLUMN signals TEXT;`,
];
