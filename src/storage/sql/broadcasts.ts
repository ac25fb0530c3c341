import type { ChannelName } from '../../core/messages.js';
import type { Broadcast, BroadcastButton, BroadcastStatus, BroadcastStore, Delivery, DeliveryStatus } from '../outreach-ports.js';
import { num, type SqlDriver } from './driver.js';
import { audienceWhere } from './subscriptions.js';

interface BroadcastRow {
  id: string; created_at: unknown; created_by: string; text: string; buttons: string; channel: string | null; organisation: string | null;
  unit: string | null; status: string; sent_at: unknown; finished_at: unknown;
}
interface DeliveryRow {
  id: unknown; broadcast_id: string; user_key: string | null; channel: string; status: string; reason: string | null; attempts: unknown; updated_at: unknown;
}

const date = (v: unknown) => (v === null || v === undefined ? undefined : new Date(num(v)));

function broadcastFromRow(r: BroadcastRow): Broadcast {
  return {
    id: r.id, createdAt: new Date(num(r.created_at)), createdBy: r.created_by, text: r.text, buttons: JSON.parse(r.buttons) as BroadcastButton[],
    filter: { channel: (r.channel ?? undefined) as ChannelName | undefined, organisation: r.organisation ?? undefined, unit: r.unit ?? undefined },
    status: r.status as BroadcastStatus, sentAt: date(r.sent_at), finishedAt: date(r.finished_at),
  };
}

function deliveryFromRow(r: DeliveryRow): Delivery {
  return {
    id: num(r.id), broadcastId: r.broadcast_id, userKey: r.user_key, channel: r.channel as ChannelName, status: r.status as DeliveryStatus,
    reason: r.reason ?? undefined, attempts: num(r.attempts), updatedAt: new Date(num(r.updated_at)),
  };
}

/** Deliveries are leased with the driver's "now" (the database's clock on PostgreSQL), like inbox rows. */
export class SqlBroadcasts implements BroadcastStore {
  constructor(private db: SqlDriver) {}

  async createBroadcast(b: Broadcast): Promise<void> {
    await this.db.run(`INSERT INTO broadcasts (id, created_at, created_by, text, buttons, channel, organisation, unit, status)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, [b.id, b.createdAt.getTime(), b.createdBy, b.text, JSON.stringify(b.buttons),
      b.filter.channel ?? null, b.filter.organisation ?? null, b.filter.unit ?? null, b.status]);
  }

  async getBroadcast(id: string): Promise<Broadcast | undefined> {
    const [r] = await this.db.query<BroadcastRow>('SELECT * FROM broadcasts WHERE id = ?', [id]);
    return r && broadcastFromRow(r);
  }

  async listBroadcasts(limit: number): Promise<Broadcast[]> {
    return (await this.db.query<BroadcastRow>('SELECT * FROM broadcasts ORDER BY created_at DESC, id LIMIT ?', [limit])).map(broadcastFromRow);
  }

  async startBroadcast(id: string, at: Date): Promise<boolean> {
    const b = await this.getBroadcast(id);
    if (b?.status !== 'draft') return false;
    const { sql, params } = audienceWhere(b.filter);
    const t = at.getTime();
    // The unique (broadcast, person) index makes a second start add nobody, whoever wins the race.
    const [started] = await this.db.batch([
      [`UPDATE broadcasts SET status = 'sending', sent_at = ? WHERE id = ? AND status = 'draft'`, [t, id]],
      [`INSERT INTO deliveries (broadcast_id, user_key, channel, status, updated_at)
        SELECT CAST(? AS TEXT), s.user_key, s.channel, 'pending', CAST(? AS BIGINT) FROM subscriptions s JOIN contacts c ON c.user_key = s.user_key
        LEFT JOIN profiles p ON p.user_key = s.user_key
        WHERE ${sql} AND EXISTS (SELECT 1 FROM broadcasts WHERE id = ? AND status = 'sending') ORDER BY s.channel, s.user_key
        ON CONFLICT DO NOTHING`, [id, t, ...params, id]],
    ]);
    return started === 1;
  }

  async cancelBroadcast(id: string, at: Date): Promise<boolean> {
    const t = at.getTime();
    const [cancelled] = await this.db.batch([
      [`UPDATE broadcasts SET status = 'cancelled', finished_at = ? WHERE id = ? AND status IN ('draft', 'sending')`, [t, id]],
      [`UPDATE deliveries SET status = 'skipped', reason = 'cancelled', updated_at = ?
        WHERE broadcast_id = ? AND status IN ('pending', 'later') AND EXISTS (SELECT 1 FROM broadcasts WHERE id = ? AND status = 'cancelled')`, [t, id, id]],
    ]);
    return cancelled === 1;
  }

  async finishBroadcast(id: string, at: Date): Promise<boolean> {
    return (await this.db.run(`UPDATE broadcasts SET status = 'done', finished_at = ? WHERE id = ? AND status = 'sending'
      AND NOT EXISTS (SELECT 1 FROM deliveries WHERE broadcast_id = ? AND status = 'pending')`, [at.getTime(), id, id])) === 1;
  }

  async sendingBroadcasts(): Promise<string[]> {
    return (await this.db.query<{ id: string }>(`SELECT id FROM broadcasts WHERE status = 'sending' ORDER BY sent_at`)).map((r) => r.id);
  }

  async claimableDeliveries(broadcastId: string, limit: number): Promise<Delivery[]> {
    return (await this.db.query<DeliveryRow>(`SELECT * FROM deliveries WHERE broadcast_id = ? AND status = 'pending'
      AND leased_until <= ${this.db.now()} ORDER BY id LIMIT ?`, [broadcastId, limit])).map(deliveryFromRow);
  }

  async claimDelivery(id: number, from: 'pending' | 'later', attempts: number, leaseMs: number): Promise<boolean> {
    const now = this.db.now();
    return (await this.db.run(`UPDATE deliveries SET attempts = attempts + 1, leased_until = ${now} + ?
      WHERE id = ? AND status = ? AND attempts = ? AND leased_until <= ${now}`, [leaseMs, id, from, attempts])) === 1;
  }

  async renewDelivery(id: number, attempts: number, leaseMs: number): Promise<boolean> {
    return (await this.db.run(`UPDATE deliveries SET leased_until = ${this.db.now()} + ? WHERE id = ? AND attempts = ?`,
      [leaseMs, id, attempts])) === 1;
  }

  async finishDelivery(id: number, attempts: number, status: DeliveryStatus, reason: string | undefined, at: Date): Promise<boolean> {
    // A message that went out while the announcement was being cancelled is reported as sent: the report tells what people got.
    return (await this.db.run(`UPDATE deliveries SET status = ?, reason = ?, updated_at = ?, leased_until = 0
      WHERE id = ? AND attempts = ? AND (status IN ('pending', 'later') OR (status = 'skipped' AND reason = 'cancelled' AND ? = 'sent'))`,
    [status, reason?.slice(0, 100) ?? null, at.getTime(), id, attempts, status])) === 1;
  }

  async deliveryCounts(broadcastId: string): Promise<{ channel: ChannelName; status: DeliveryStatus; count: number }[]> {
    const rows = await this.db.query<{ channel: string; status: string; n: unknown }>(
      'SELECT channel, status, COUNT(*) AS n FROM deliveries WHERE broadcast_id = ? GROUP BY channel, status', [broadcastId]);
    return rows.map((r) => ({ channel: r.channel as ChannelName, status: r.status as DeliveryStatus, count: num(r.n) }));
  }

  async laterFor(userKey: string, sentAfter: Date): Promise<(Delivery & { text: string; buttons: BroadcastButton[] })[]> {
    const rows = await this.db.query<DeliveryRow & { text: string; buttons: string }>(`SELECT d.*, b.text, b.buttons FROM deliveries d
      JOIN broadcasts b ON b.id = d.broadcast_id WHERE d.user_key = ? AND d.status = 'later' AND b.status IN ('sending', 'done')
      AND b.sent_at >= ? AND d.leased_until <= ${this.db.now()} ORDER BY d.id`, [userKey, sentAfter.getTime()]);
    return rows.map((r) => ({ ...deliveryFromRow(r), text: r.text, buttons: JSON.parse(r.buttons) as BroadcastButton[] }));
  }

  async expireLater(sentBefore: Date, at: Date): Promise<number> {
    return this.db.run(`UPDATE deliveries SET status = 'skipped', reason = 'expired', updated_at = ?
      WHERE status = 'later' AND broadcast_id IN (SELECT id FROM broadcasts WHERE sent_at < ?)`, [at.getTime(), sentBefore.getTime()]);
  }

  async deliveryReport(broadcastId: string, limit: number, offset: number): Promise<Delivery[]> {
    return (await this.db.query<DeliveryRow>('SELECT * FROM deliveries WHERE broadcast_id = ? ORDER BY id LIMIT ? OFFSET ?',
      [broadcastId, limit, offset])).map(deliveryFromRow);
  }

  async sentByChannel(from: Date | undefined, to: Date | undefined): Promise<{ channel: ChannelName; count: number }[]> {
    const rows = await this.db.query<{ channel: string; n: unknown }>(`SELECT channel, COUNT(*) AS n FROM deliveries
      WHERE status = 'sent' AND updated_at >= ? AND updated_at < ? GROUP BY channel`, [from?.getTime() ?? 0, to?.getTime() ?? Number.MAX_SAFE_INTEGER]);
    return rows.map((r) => ({ channel: r.channel as ChannelName, count: num(r.n) }));
  }
}
