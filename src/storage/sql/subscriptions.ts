import type { ChannelName } from '../../core/messages.js';
import type { AudienceFilter, Contact, Subscription, SubscriptionStatus, SubscriptionStore } from '../outreach-ports.js';
import { num, type SqlDriver } from './driver.js';

interface ContactRow { user_key: string; channel: string; user_id: string; address: string | null; last_seen: unknown }
interface SubscriptionRow { user_key: string; channel: string; status: string; consent_at: unknown; changed_at: unknown; reason: string | null }

/** WHERE clause of an audience: active subscribers, narrowed by channel and by their profile's organisation and commune. */
export function audienceWhere(f: AudienceFilter): { sql: string; params: string[] } {
  const parts = [`s.status = 'active'`];
  const params: string[] = [];
  if (f.channel) { parts.push('s.channel = ?'); params.push(f.channel); }
  if (f.organisation) { parts.push('p.organisation = ?'); params.push(f.organisation); }
  if (f.unit) { parts.push('p.unit = ?'); params.push(f.unit); }
  return { sql: parts.join(' AND '), params };
}

export class SqlSubscriptions implements SubscriptionStore {
  constructor(private db: SqlDriver) {}

  async saveContact(c: Omit<Contact, 'lastSeen'> & { lastSeen?: Date }): Promise<void> {
    await this.db.run(`INSERT INTO contacts (user_key, channel, user_id, address, last_seen) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (user_key) DO UPDATE SET user_id = excluded.user_id, address = COALESCE(excluded.address, contacts.address),
      last_seen = CASE WHEN excluded.last_seen > contacts.last_seen THEN excluded.last_seen ELSE contacts.last_seen END`,
    [c.userKey, c.channel, c.userId, c.address ?? null, c.lastSeen?.getTime() ?? 0]);
  }

  async getContact(userKey: string): Promise<Contact | undefined> {
    const [r] = await this.db.query<ContactRow>('SELECT * FROM contacts WHERE user_key = ?', [userKey]);
    return r && { userKey: r.user_key, channel: r.channel as ChannelName, userId: r.user_id, address: r.address ?? undefined, lastSeen: new Date(num(r.last_seen)) };
  }

  async touchContact(userKey: string, at: Date, address?: string): Promise<boolean> {
    return (await this.db.run(`UPDATE contacts SET last_seen = CASE WHEN ? > last_seen THEN ? ELSE last_seen END, address = COALESCE(?, address)
      WHERE user_key = ?`, [at.getTime(), at.getTime(), address ?? null, userKey])) === 1;
  }

  async pruneContact(userKey: string): Promise<void> {
    await this.db.run(`DELETE FROM contacts WHERE user_key = ?
      AND NOT EXISTS (SELECT 1 FROM subscriptions WHERE user_key = ? AND status = 'active')
      AND NOT EXISTS (SELECT 1 FROM handoffs WHERE user_key = ? AND status <> 'closed')`, [userKey, userKey, userKey]);
  }

  async subscribe(userKey: string, channel: ChannelName, at: Date): Promise<'new' | 'again' | 'already'> {
    const t = at.getTime();
    if ((await this.db.run(`INSERT INTO subscriptions (user_key, channel, status, consent_at, changed_at) VALUES (?, ?, 'active', ?, ?)
      ON CONFLICT DO NOTHING`, [userKey, channel, t, t])) === 1) return 'new';
    // Opting in again is a new consent, recorded with its own time.
    const again = await this.db.run(`UPDATE subscriptions SET status = 'active', consent_at = ?, changed_at = ?, reason = NULL
      WHERE user_key = ? AND status <> 'active'`, [t, t, userKey]);
    return again === 1 ? 'again' : 'already';
  }

  async unsubscribe(userKey: string, at: Date): Promise<boolean> {
    return (await this.db.run(`UPDATE subscriptions SET status = 'unsubscribed', changed_at = ?, reason = NULL
      WHERE user_key = ? AND status <> 'unsubscribed'`, [at.getTime(), userKey])) === 1;
  }

  async markGone(userKey: string, reason: string, at: Date): Promise<boolean> {
    return (await this.db.run(`UPDATE subscriptions SET status = 'gone', changed_at = ?, reason = ? WHERE user_key = ? AND status = 'active'`,
      [at.getTime(), reason.slice(0, 100), userKey])) === 1;
  }

  async markBack(userKey: string, at: Date): Promise<boolean> {
    return (await this.db.run(`UPDATE subscriptions SET status = 'active', changed_at = ?, reason = NULL WHERE user_key = ? AND status = 'gone'`,
      [at.getTime(), userKey])) === 1;
  }

  async getSubscription(userKey: string): Promise<Subscription | undefined> {
    const [r] = await this.db.query<SubscriptionRow>('SELECT * FROM subscriptions WHERE user_key = ?', [userKey]);
    return r && {
      userKey: r.user_key, channel: r.channel as ChannelName, status: r.status as SubscriptionStatus,
      consentAt: new Date(num(r.consent_at)), changedAt: new Date(num(r.changed_at)), reason: r.reason ?? undefined,
    };
  }

  async audience(filter: AudienceFilter): Promise<{ channel: ChannelName; lastSeen: Date }[]> {
    const { sql, params } = audienceWhere(filter);
    const rows = await this.db.query<{ channel: string; last_seen: unknown }>(`SELECT s.channel, c.last_seen FROM subscriptions s
      JOIN contacts c ON c.user_key = s.user_key LEFT JOIN profiles p ON p.user_key = s.user_key WHERE ${sql}`, params);
    return rows.map((r) => ({ channel: r.channel as ChannelName, lastSeen: new Date(num(r.last_seen)) }));
  }

  async countSubscriptions(): Promise<{ channel: ChannelName; status: SubscriptionStatus; count: number }[]> {
    const rows = await this.db.query<{ channel: string; status: string; n: unknown }>('SELECT channel, status, COUNT(*) AS n FROM subscriptions GROUP BY channel, status');
    return rows.map((r) => ({ channel: r.channel as ChannelName, status: r.status as SubscriptionStatus, count: num(r.n) }));
  }
}
