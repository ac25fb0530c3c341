import type { Reply } from '../core/messages.js';
import type { Outcome } from '../core/outreach.js';
import type { Delivery, DeliveryStatus } from '../storage/outreach-ports.js';
import { announcement, parseAddress, type OutreachContext } from './context.js';

const PAGE = 50;
/** A delivery whose sending crashed the process this often is given up (it would crash every restart). */
const MAX_ATTEMPTS = 5;
/** How long to wait while deliveries are leased elsewhere (another instance, or one that died) before looking again. */
const IDLE_MS = 1000;

function wait(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
  });
}

/**
 * Sends one announcement: claims its pending deliveries one at a time (compare-and-set with a lease, so two
 * instances never send the same one), sends through the person's channel (its queue, rate limit, retries and
 * window), records each outcome. One message is in flight at a time: a crash repeats at most that one, and a
 * restart (or another instance once the lease runs out) carries on where it stopped. One failure never stops it.
 */
export class BroadcastRunner {
  constructor(private ctx: OutreachContext) {}

  async run(id: string, signal: AbortSignal): Promise<void> {
    const { broadcasts } = this.ctx.stores;
    const b = await broadcasts.getBroadcast(id);
    if (b?.status !== 'sending') return;
    const reply = announcement(b, this.ctx.dialog);
    this.ctx.log.info({ broadcast: id }, 'sending an announcement');
    while (!signal.aborted) {
      const rows = await broadcasts.claimableDeliveries(id, PAGE);
      if (!rows.length) {
        if (await broadcasts.finishBroadcast(id, new Date())) return this.ctx.log.info({ broadcast: id }, 'announcement sent');
        if ((await broadcasts.getBroadcast(id))?.status !== 'sending') return;
        await wait(Math.min(this.ctx.settings.leaseMs, IDLE_MS), signal);
        continue;
      }
      for (const row of rows) {
        if (signal.aborted) return;
        if (await broadcasts.claimDelivery(row.id, 'pending', row.attempts, this.ctx.settings.leaseMs)) await this.deliver(reply, row);
      }
    }
  }

  private async deliver(reply: Reply, row: Delivery): Promise<void> {
    const { broadcasts } = this.ctx.stores;
    const attempts = row.attempts + 1;
    const outcome = row.attempts >= MAX_ATTEMPTS ? { status: 'failed' as const, reason: 'too_many_attempts', gone: false }
      : await this.leased(row.id, attempts, () => this.send(row, reply));
    const status: DeliveryStatus = outcome.status;
    await broadcasts.finishDelivery(row.id, attempts, status, outcome.status === 'sent' ? undefined : outcome.reason, new Date());
    this.ctx.observe?.recipient(row.channel, status);
    if (outcome.status === 'failed' && outcome.gone && row.userKey) {
      await this.ctx.stores.subscriptions.markGone(row.userKey, outcome.reason, new Date());
      await this.ctx.stores.subscriptions.pruneContact(row.userKey);
    }
  }

  private async send(row: Delivery, reply: Reply): Promise<Outcome> {
    const { subscriptions } = this.ctx.stores;
    if (!row.userKey) return { status: 'skipped', reason: 'deleted' };
    // The person may have opted out or left since the announcement started.
    const sub = await subscriptions.getSubscription(row.userKey);
    if (sub?.status !== 'active') return { status: 'skipped', reason: sub ? sub.status : 'deleted' };
    const contact = await subscriptions.getContact(row.userKey);
    const channel = this.ctx.channels.get(row.channel);
    if (!contact || !channel) return { status: 'skipped', reason: channel ? 'no_contact' : 'channel_off' };
    return channel.sendTo({ userId: contact.userId, address: parseAddress(contact.address), lastSeen: contact.lastSeen.getTime() }, [reply], 'broadcast');
  }

  /** Runs `work` holding the delivery, renewing the lease every third of it (a slow platform with retry-after waits). */
  private async leased<T>(id: number, attempts: number, work: () => Promise<T>): Promise<T> {
    const { leaseMs } = this.ctx.settings;
    const timer = setInterval(() => void this.ctx.stores.broadcasts.renewDelivery(id, attempts, leaseMs).catch(() => undefined), Math.max(1, Math.floor(leaseMs / 3)));
    timer.unref();
    try {
      return await work();
    } finally {
      clearInterval(timer);
    }
  }
}
