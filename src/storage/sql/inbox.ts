import type { InboxStore } from '../ports.js';
import type { InboundItem, PendingInbound } from '../types.js';
import { num, type SqlDriver } from './driver.js';

interface InboxRow { channel: string; message_id: string; user_id: string; event: string; received_at: unknown; attempts: unknown }

/** Leases are compared with the driver's "now": the database's clock on PostgreSQL. */
export class SqlInbox implements InboxStore {
  constructor(private db: SqlDriver) {}

  async enqueueInbound(i: InboundItem): Promise<boolean> {
    return (await this.db.run('INSERT INTO inbox (channel, message_id, user_id, event, received_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
      [i.channel, i.messageId, i.userId, i.event, i.receivedAt.getTime()])) === 1;
  }

  async attemptInbound(channel: string, messageId: string, attempts: number, leaseMs: number): Promise<boolean> {
    const now = this.db.now();
    return (await this.db.run(`UPDATE inbox SET attempts = attempts + 1, leased_until = ${now} + ?
      WHERE channel = ? AND message_id = ? AND status = 'pending' AND attempts = ? AND leased_until <= ${now}`,
    [leaseMs, channel, messageId, attempts])) === 1;
  }

  async renewInbound(channel: string, messageId: string, attempts: number, leaseMs: number): Promise<boolean> {
    return (await this.db.run(`UPDATE inbox SET leased_until = ${this.db.now()} + ?
      WHERE channel = ? AND message_id = ? AND status = 'pending' AND attempts = ?`, [leaseMs, channel, messageId, attempts])) === 1;
  }

  async completeInbound(channel: string, messageId: string): Promise<void> {
    await this.db.run(`UPDATE inbox SET status = 'done', event = '', user_id = '' WHERE channel = ? AND message_id = ?`, [channel, messageId]);
  }

  async countPending(): Promise<Record<string, number>> {
    const rows = await this.db.query<{ channel: string; n: unknown }>(`SELECT channel, COUNT(*) AS n FROM inbox WHERE status = 'pending' GROUP BY channel`);
    return Object.fromEntries(rows.map((r) => [r.channel, num(r.n)]));
  }

  async pendingInbound(channel: string, olderThan: Date | undefined, limit: number): Promise<PendingInbound[]> {
    // One process never stores two rows of a channel in the same millisecond (the inbox sees to it); message_id only makes ties stable.
    const rows = await this.db.query<InboxRow>(`SELECT * FROM inbox WHERE channel = ? AND status = 'pending' AND received_at < ?
      AND leased_until <= ${this.db.now()} ORDER BY received_at, message_id LIMIT ?`, [channel, olderThan?.getTime() ?? Number.MAX_SAFE_INTEGER, limit]);
    return rows.map((r) => ({
      channel: r.channel, messageId: r.message_id, userId: r.user_id, event: r.event, receivedAt: new Date(num(r.received_at)), attempts: num(r.attempts),
    }));
  }
}
