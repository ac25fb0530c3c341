import type { Activity, ConversationState, Turn } from '../core/ports.js';
import { CHANNEL_NAMES, vnDate, vnTime, type OutreachContext } from './context.js';

/**
 * "Nhận thông báo" / "Dừng nhận thông báo": opting in is the person's consent to be messaged, kept with its
 * time; opting out is one step from any state. The contact (raw id, last interaction) is kept only while needed.
 */
export class SubscriptionActivity implements Activity {
  readonly prefix = 'SUB';
  readonly actions = ['outreach.subscribe', 'outreach.unsubscribe'] as const;

  constructor(private ctx: Pick<OutreachContext, 'dialog' | 'stores'>) {}

  awaitsText(_state: ConversationState): boolean {
    return false;
  }

  async onText(): Promise<boolean> {
    return false;
  }

  async onPayload(turn: Turn): Promise<void> {
    turn.replies.push(this.ctx.dialog.reply(this.ctx.dialog.node('fallback')));
  }

  async run(turn: Turn, action: string): Promise<void> {
    return action === 'outreach.subscribe' ? this.subscribe(turn) : this.unsubscribe(turn);
  }

  private async subscribe(turn: Turn): Promise<void> {
    const { dialog, stores } = this.ctx;
    const { channel, userId, receivedAt } = turn.inbound;
    await stores.subscriptions.saveContact({ userKey: turn.userKey, channel, userId });
    const result = await stores.subscriptions.subscribe(turn.userKey, channel, receivedAt);
    const since = (await stores.subscriptions.getSubscription(turn.userKey))?.consentAt ?? receivedAt;
    const text = result === 'already'
      ? dialog.text('outreach.already_subscribed', { date: vnDate(since) })
      : dialog.text('outreach.subscribed', { channel: CHANNEL_NAMES[channel] });
    turn.replies.push({ text, buttons: dialog.menuButtons() });
  }

  private async unsubscribe(turn: Turn): Promise<void> {
    const { dialog, stores } = this.ctx;
    const stopped = await stores.subscriptions.unsubscribe(turn.userKey, turn.inbound.receivedAt);
    await stores.subscriptions.pruneContact(turn.userKey);
    turn.replies.push({ text: dialog.text(stopped ? 'outreach.unsubscribed' : 'outreach.not_subscribed'), buttons: dialog.menuButtons() });
  }

  /** Lines for "Dữ liệu của tôi": the subscription and a conversation with staff, if any. */
  static async describe(ctx: Pick<OutreachContext, 'dialog' | 'stores'>, userKey: string): Promise<string[]> {
    const lines: string[] = [];
    const sub = await ctx.stores.subscriptions.getSubscription(userKey);
    if (sub?.status === 'active') lines.push(ctx.dialog.text('outreach.data_active', { date: vnDate(sub.consentAt) }));
    else if (sub) lines.push(ctx.dialog.text('outreach.data_stopped', { date: vnDate(sub.changedAt) }));
    const talk = await ctx.stores.handoffs.activeHandoff(userKey);
    if (talk) lines.push(ctx.dialog.text('outreach.data_handoff', { time: vnTime(talk.requestedAt) }));
    return lines;
  }
}
