import type { ChannelName } from '../../core/messages.js';
import type { Handoff, HandoffMessage, HandoffSender, HandoffStatus, HandoffStore } from '../outreach-ports.js';
import { num, type SqlDriver } from './driver.js';

interface HandoffRow {
  id: string; user_key: string | null; channel: string; status: string; organisation: string | null; unit: string | null; requested_at: unknown;
  answered_at: unknown; closed_at: unknown; closed_reason: string | null; last_message_at: unknown; back_notified: unknown;
}
interface MessageRow { id: unknown; handoff_id: string; sender: string; author: string | null; text: string; at: unknown; delivered: unknown }

const date = (v: unknown) => (v === null || v === undefined ? undefined : new Date(num(v)));

function handoffFromRow(r: HandoffRow): Handoff {
  return {
    id: r.id, userKey: r.user_key, channel: r.channel as ChannelName, status: r.status as HandoffStatus,
    organisation: r.organisation ?? undefined, unit: r.unit ?? undefined, requestedAt: new Date(num(r.requested_at)),
    answeredAt: date(r.answered_at), closedAt: date(r.closed_at), closedReason: r.closed_reason ?? undefined,
    lastMessageAt: new Date(num(r.last_message_at)), backNotified: num(r.back_notified) === 1,
  };
}

function messageFromRow(r: MessageRow): HandoffMessage {
  return {
    id: num(r.id), handoffId: r.handoff_id, from: r.sender as HandoffSender, author: r.author ?? undefined, text: r.text,
    at: new Date(num(r.at)), delivered: num(r.delivered) === 1,
  };
}

export class SqlHandoffs implements HandoffStore {
  constructor(private db: SqlDriver) {}

  async openHandoff(h: Handoff, transcript: Omit<HandoffMessage, 'id' | 'handoffId'>[]): Promise<boolean> {
    const t = h.requestedAt.getTime();
    // One conversation per person at a time (a partial unique index): a second request adds nothing.
    const insert = `INSERT INTO handoff_messages (handoff_id, sender, author, text, at, delivered)
      SELECT ?, ?, ?, ?, CAST(? AS BIGINT), 1 WHERE EXISTS (SELECT 1 FROM handoffs WHERE id = ?)`;
    const [opened] = await this.db.batch([
      [`INSERT INTO handoffs (id, user_key, channel, status, organisation, unit, requested_at, last_message_at, back_notified)
        VALUES (?, ?, ?, 'waiting', ?, ?, ?, ?, 0) ON CONFLICT DO NOTHING`, [h.id, h.userKey, h.channel, h.organisation ?? null, h.unit ?? null, t, t]],
      ...transcript.map((m): [string, unknown[]] => [insert, [h.id, m.from, m.author ?? null, m.text, m.at.getTime(), h.id]]),
    ]);
    return opened === 1;
  }

  async activeHandoff(userKey: string): Promise<Handoff | undefined> {
    const [r] = await this.db.query<HandoffRow>(`SELECT * FROM handoffs WHERE user_key = ? AND status <> 'closed'`, [userKey]);
    return r && handoffFromRow(r);
  }

  async getHandoff(id: string): Promise<Handoff | undefined> {
    const [r] = await this.db.query<HandoffRow>('SELECT * FROM handoffs WHERE id = ?', [id]);
    return r && handoffFromRow(r);
  }

  async listHandoffs(status: HandoffStatus, organisation: string | undefined, limit: number): Promise<Handoff[]> {
    const params: unknown[] = [status];
    const org = organisation === undefined ? '' : (params.push(organisation), ' AND organisation = ?');
    // Waiting and open ones oldest first (who has waited longest); closed ones newest first.
    const order = status === 'closed' ? 'closed_at DESC' : 'requested_at ASC';
    return (await this.db.query<HandoffRow>(`SELECT * FROM handoffs WHERE status = ?${org} ORDER BY ${order}, id LIMIT ?`, [...params, limit]))
      .map(handoffFromRow);
  }

  async addHandoffMessage(m: Omit<HandoffMessage, 'id'>): Promise<void> {
    const t = m.at.getTime();
    await this.db.batch([
      ['INSERT INTO handoff_messages (handoff_id, sender, author, text, at, delivered) VALUES (?, ?, ?, ?, ?, ?)',
        [m.handoffId, m.from, m.author ?? null, m.text, t, m.delivered ? 1 : 0]],
      ['UPDATE handoffs SET last_message_at = CASE WHEN ? > last_message_at THEN ? ELSE last_message_at END WHERE id = ?', [t, t, m.handoffId]],
    ]);
  }

  async handoffMessages(handoffId: string, limit: number): Promise<HandoffMessage[]> {
    // The latest `limit`, shown oldest first.
    const rows = await this.db.query<MessageRow>('SELECT * FROM handoff_messages WHERE handoff_id = ? ORDER BY id DESC LIMIT ?', [handoffId, limit]);
    return rows.reverse().map(messageFromRow);
  }

  async undeliveredStaffMessages(handoffId: string): Promise<HandoffMessage[]> {
    return (await this.db.query<MessageRow>(`SELECT * FROM handoff_messages WHERE handoff_id = ? AND sender = 'staff' AND delivered = 0 ORDER BY id`,
      [handoffId])).map(messageFromRow);
  }

  async markMessageDelivered(id: number): Promise<void> {
    await this.db.run('UPDATE handoff_messages SET delivered = 1 WHERE id = ?', [id]);
  }

  async markAnswered(id: string, at: Date): Promise<boolean> {
    return (await this.db.run(`UPDATE handoffs SET status = 'open', answered_at = ? WHERE id = ? AND status = 'waiting'`, [at.getTime(), id])) === 1;
  }

  async closeHandoff(id: string, reason: string, at: Date): Promise<boolean> {
    return (await this.db.run(`UPDATE handoffs SET status = 'closed', closed_at = ?, closed_reason = ? WHERE id = ? AND status <> 'closed'`,
      [at.getTime(), reason, id])) === 1;
  }

  async setBackNotified(id: string): Promise<void> {
    await this.db.run('UPDATE handoffs SET back_notified = 1 WHERE id = ?', [id]);
  }

  async unnotifiedClosed(userKey: string): Promise<Handoff[]> {
    return (await this.db.query<HandoffRow>(`SELECT * FROM handoffs WHERE user_key = ? AND status = 'closed' AND back_notified = 0 ORDER BY closed_at`,
      [userKey])).map(handoffFromRow);
  }

  async expiredHandoffs(before: Date, limit: number): Promise<Handoff[]> {
    return (await this.db.query<HandoffRow>(`SELECT * FROM handoffs WHERE status = 'waiting' AND requested_at < ? ORDER BY requested_at LIMIT ?`,
      [before.getTime(), limit])).map(handoffFromRow);
  }

  async countHandoffs(): Promise<{ status: HandoffStatus; count: number }[]> {
    const rows = await this.db.query<{ status: string; n: unknown }>('SELECT status, COUNT(*) AS n FROM handoffs GROUP BY status');
    return rows.map((r) => ({ status: r.status as HandoffStatus, count: num(r.n) }));
  }

  async handoffTimes(from: Date | undefined, to: Date | undefined): Promise<{ requestedAt: Date; answeredAt?: Date }[]> {
    const rows = await this.db.query<{ requested_at: unknown; answered_at: unknown }>(`SELECT requested_at, answered_at FROM handoffs
      WHERE requested_at >= ? AND requested_at < ? ORDER BY requested_at`, [from?.getTime() ?? 0, to?.getTime() ?? Number.MAX_SAFE_INTEGER]);
    return rows.map((r) => ({ requestedAt: new Date(num(r.requested_at)), answeredAt: date(r.answered_at) }));
  }
}
