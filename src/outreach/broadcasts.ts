import crypto from 'node:crypto';
import type { ChannelName } from '../core/messages.js';
import type { AudienceFilter, Broadcast, BroadcastButton, Delivery, DeliveryCounts, DeliveryStatus } from '../storage/outreach-ports.js';
import type { OutreachContext } from './context.js';
import type { JobQueue } from './jobs.js';

export interface Audience {
  total: number;
  /** Per channel: reachable now under its rules, when they next write, or not under its rules at all. */
  byChannel: Partial<Record<ChannelName, { now: number; later: number; outside: number }>>;
}

export interface BroadcastView {
  id: string;
  status: Broadcast['status'];
  text: string;
  buttons: BroadcastButton[];
  filter: AudienceFilter;
  createdAt: string;
  createdBy: string;
  sentAt?: string;
  finishedAt?: string;
  counts: DeliveryCounts;
  byChannel: Partial<Record<ChannelName, DeliveryCounts>>;
}

const STATUSES: DeliveryStatus[] = ['sent', 'failed', 'later', 'skipped', 'pending'];
const zero = (): DeliveryCounts => ({ sent: 0, failed: 0, later: 0, skipped: 0, pending: 0 });

/** Announcements as staff handle them: draft with an audience preview, send, follow, cancel, report. */
export class Broadcasts {
  constructor(private ctx: OutreachContext, private jobs: JobQueue) {}

  async create(input: { text: string; buttons: BroadcastButton[]; filter: AudienceFilter }, by: string): Promise<{ broadcast: Broadcast; audience: Audience }> {
    const broadcast: Broadcast = {
      id: crypto.randomBytes(9).toString('base64url'), createdAt: new Date(), createdBy: by, text: input.text, buttons: input.buttons,
      filter: input.filter, status: 'draft',
    };
    await this.ctx.stores.broadcasts.createBroadcast(broadcast);
    return { broadcast, audience: await this.audience(input.filter) };
  }

  /** Who the announcement would reach, under each platform's rules as of now. */
  async audience(filter: AudienceFilter): Promise<Audience> {
    const byChannel: Audience['byChannel'] = {};
    const now = Date.now();
    const people = await this.ctx.stores.subscriptions.audience(filter);
    for (const p of people) {
      const channel = this.ctx.channels.get(p.channel);
      const when = channel ? channel.reach(p.lastSeen.getTime(), 'broadcast', now).when : 'outside';
      (byChannel[p.channel] ??= { now: 0, later: 0, outside: 0 })[when]++;
    }
    return { total: people.length, byChannel };
  }

  /** Starts sending a draft: one delivery per recipient is written first, then the job runs. */
  async send(id: string): Promise<'started' | 'not_found' | 'not_draft'> {
    const { broadcasts } = this.ctx.stores;
    const b = await broadcasts.getBroadcast(id);
    if (!b) return 'not_found';
    if (!(await broadcasts.startBroadcast(id, new Date()))) return 'not_draft';
    await this.jobs.add(id);
    return 'started';
  }

  async cancel(id: string): Promise<'cancelled' | 'not_found' | 'finished'> {
    const { broadcasts } = this.ctx.stores;
    if (!(await broadcasts.getBroadcast(id))) return 'not_found';
    return (await broadcasts.cancelBroadcast(id, new Date())) ? 'cancelled' : 'finished';
  }

  async view(id: string): Promise<BroadcastView | undefined> {
    const b = await this.ctx.stores.broadcasts.getBroadcast(id);
    return b && this.toView(b);
  }

  async list(limit: number): Promise<BroadcastView[]> {
    return Promise.all((await this.ctx.stores.broadcasts.listBroadcasts(limit)).map((b) => this.toView(b)));
  }

  report(id: string, limit: number, offset: number): Promise<Delivery[]> {
    return this.ctx.stores.broadcasts.deliveryReport(id, limit, offset);
  }

  sentByChannel(from?: Date, to?: Date) {
    return this.ctx.stores.broadcasts.sentByChannel(from, to);
  }

  /** Resumes every announcement still sending (at start, and at each check: an instance that died leaves its job). */
  async resume(): Promise<void> {
    for (const id of await this.ctx.stores.broadcasts.sendingBroadcasts()) await this.jobs.add(id);
  }

  private async toView(b: Broadcast): Promise<BroadcastView> {
    const counts = zero();
    const byChannel: BroadcastView['byChannel'] = {};
    for (const c of await this.ctx.stores.broadcasts.deliveryCounts(b.id)) {
      counts[c.status] += c.count;
      (byChannel[c.channel] ??= zero())[c.status] += c.count;
    }
    return {
      id: b.id, status: b.status, text: b.text, buttons: b.buttons, filter: b.filter, createdAt: b.createdAt.toISOString(), createdBy: b.createdBy,
      sentAt: b.sentAt?.toISOString(), finishedAt: b.finishedAt?.toISOString(), counts: Object.fromEntries(STATUSES.map((s) => [s, counts[s]])) as DeliveryCounts, byChannel,
    };
  }
}
