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
  // Privacy: unanswered texts linked to the pseudonymous key (erasable with the person's data); indexes for
  // erasure (pending inbox rows by platform id, staff sessions by account) and for the retention purge.
  `ALTER TABLE unanswered ADD COLUMN user_key TEXT;
   CREATE INDEX unanswered_user ON unanswered (user_key);
   CREATE INDEX unanswered_at ON unanswered (at);
   CREATE INDEX conversation_state_updated ON conversation_state (updated_at);
   CREATE INDEX inbox_received ON inbox (received_at);
   CREATE INDEX inbox_pending_user ON inbox (channel, user_id) WHERE status = 'pending';
   CREATE INDEX staff_sessions_user ON staff_sessions (username);`,
];
