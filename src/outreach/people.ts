import type { ChannelName, Reply } from '../core/messages.js';
import type { Outcome, PeopleHooks } from '../core/outreach.js';
import { announcement, staffReply, type OutreachContext } from './context.js';

/** Announcements delivered to one person after one of their messages, at most: the rest follow their next ones. */
const LATER_PER_TURN = 3;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * What the channels tell outreach about people: each message moves a contact's last interaction forward (the
 * platform windows are measured from it), blocks and unfollows mark a subscriber gone, and after each turn the
 * messages that waited for this person go out in the window their message just opened.
 */
export class People implements PeopleHooks {
  constructor(private ctx: OutreachContext) {}

  async seen(channel: ChannelName, userId: string, at: number, address?: unknown): Promise<void> {
    await this.ctx.stores.subscriptions.touchContact(this.ctx.keyOf(channel, userId), new Date(at), address === undefined ? undefined : JSON.stringify(address));
  }

  async membership(channel: ChannelName, userId: string, present: boolean): Promise<void> {
    const key = this.ctx.keyOf(channel, userId);
    const subs = this.ctx.stores.subscriptions;
    const changed = present ? await subs.markBack(key, new Date()) : await subs.markGone(key, 'left', new Date());
    if (changed) this.ctx.log.info({ channel, present }, present ? 'a subscriber came back' : 'a subscriber blocked or left the bot');
  }

  async afterTurn(channel: ChannelName, userId: string, send: (replies: Reply[]) => Promise<Outcome>): Promise<void> {
    const key = this.ctx.keyOf(channel, userId);
    await this.queuedStaffReplies(key, send);
    await this.laterAnnouncements(channel, key, send);
  }

  /** Staff replies that could not go out at once (web chat: the person's next visit). */
  private async queuedStaffReplies(key: string, send: (replies: Reply[]) => Promise<Outcome>): Promise<void> {
    const { handoffs } = this.ctx.stores;
    const open = await handoffs.activeHandoff(key);
    if (!open) return;
    for (const m of await handoffs.undeliveredStaffMessages(open.id)) {
      if ((await send([staffReply(m.text, this.ctx.dialog)])).status !== 'sent') return;
      await handoffs.markMessageDelivered(m.id);
    }
  }

  /** Announcements that waited for this person's window (Messenger, Zalo) or visit (web chat), each claimed like a delivery. */
  private async laterAnnouncements(channel: ChannelName, key: string, send: (replies: Reply[]) => Promise<Outcome>): Promise<void> {
    const { broadcasts } = this.ctx.stores;
    const { leaseMs, laterDays } = this.ctx.settings;
    const waiting = await broadcasts.laterFor(key, new Date(Date.now() - laterDays * DAY_MS));
    for (const d of waiting.slice(0, LATER_PER_TURN)) {
      if (!(await broadcasts.claimDelivery(d.id, 'later', d.attempts, leaseMs))) continue;
      const outcome = await send([announcement(d, this.ctx.dialog)]);
      const status = outcome.status === 'sent' ? 'sent' : outcome.status === 'later' ? 'later' : 'failed';
      await broadcasts.finishDelivery(d.id, d.attempts + 1, status, outcome.status === 'sent' ? undefined : outcome.reason, new Date());
      this.ctx.observe?.recipient(channel, status);
      if (outcome.status !== 'sent') return;
    }
  }
}
