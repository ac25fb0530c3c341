import type { Reach } from '../core/outreach.js';
import type { Handoff, HandoffMessage, HandoffStatus } from '../storage/outreach-ports.js';
import { CHANNEL_NAMES, parseAddress, staffReply, type OutreachContext } from './context.js';

const HOUR_MS = 60 * 60 * 1000;
const HISTORY = 200;

export interface HandoffItem {
  id: string;
  channel: string;
  status: HandoffStatus;
  waitingSince: string;
  lastMessageAt: string;
  organisation?: string;
  unit?: string;
  /** Last moment a staff reply is allowed by the platform; absent when it has no window (Telegram) or none is left. */
  replyDeadline?: string;
  /** Until when a reply is free of charge (Zalo). */
  freeUntil?: string;
  /** False once the platform no longer allows a reply. */
  canReply: boolean;
}

export type ReplyResult =
  /** `queued`: handed to the web chat, shown at the person's next message there. */
  | { ok: true; queued: boolean }
  | { ok: false; status: 404 | 409 | 502; error: 'not_found' | 'closed' | 'outside_window' | 'send_failed'; message: string };

const OUTSIDE = 'Đã quá thời hạn nền tảng cho phép trả lời người dân này (tính từ tin nhắn cuối của họ). Tin nhắn không được gửi; khi người dân nhắn lại, bạn có thể trả lời.';

/** Conversations with staff as the dashboard's inbox handles them: list, read, reply within the platform's window, close. */
export class HandoffDesk {
  constructor(private ctx: OutreachContext) {}

  /** Waiting and open ones oldest first; a viewer's `organisation` narrows them to that organisation's people. */
  async list(status: HandoffStatus, organisation: string | undefined, limit = 100): Promise<HandoffItem[]> {
    const items = await this.ctx.stores.handoffs.listHandoffs(status, organisation, limit);
    return Promise.all(items.map((h) => this.item(h)));
  }

  async get(id: string): Promise<{ handoff: Handoff; item: HandoffItem; messages: HandoffMessage[] } | undefined> {
    const handoff = await this.ctx.stores.handoffs.getHandoff(id);
    if (!handoff) return undefined;
    return { handoff, item: await this.item(handoff), messages: await this.ctx.stores.handoffs.handoffMessages(id, HISTORY) };
  }

  async reply(h: Handoff, text: string, by: string): Promise<ReplyResult> {
    const { stores } = this.ctx;
    if (h.status === 'closed') return { ok: false, status: 409, error: 'closed', message: 'Cuộc trò chuyện đã kết thúc.' };
    const contact = h.userKey ? await stores.subscriptions.getContact(h.userKey) : undefined;
    const channel = this.ctx.channels.get(h.channel);
    if (!contact || !channel) return { ok: false, status: 409, error: 'outside_window', message: OUTSIDE };
    const lastSeen = contact.lastSeen.getTime();
    if (channel.reach(lastSeen, 'staff').when === 'outside') return { ok: false, status: 409, error: 'outside_window', message: OUTSIDE };
    const outcome = await channel.sendTo({ userId: contact.userId, address: parseAddress(contact.address), lastSeen }, [staffReply(text, this.ctx.dialog)], 'staff');
    if (outcome.status === 'failed') {
      if (outcome.gone && h.userKey) await stores.subscriptions.markGone(h.userKey, outcome.reason, new Date());
      const message = outcome.gone ? 'Người dân đã chặn hoặc rời kênh này, tin nhắn không gửi được.' : `Nền tảng chưa nhận tin nhắn (mã ${outcome.reason}). Bạn thử gửi lại sau ít phút.`;
      return { ok: false, status: 502, error: 'send_failed', message };
    }
    // "later" from the web chat means its next visit; from a platform, that its window closed after all.
    const queued = outcome.status === 'later' && h.channel === 'web';
    if (outcome.status !== 'sent' && !queued) return { ok: false, status: 409, error: 'outside_window', message: OUTSIDE };
    const at = new Date();
    await stores.handoffs.addHandoffMessage({ handoffId: h.id, from: 'staff', author: by, text, at, delivered: !queued });
    if (await stores.handoffs.markAnswered(h.id, at)) this.ctx.observe?.handoffAnswered((at.getTime() - h.requestedAt.getTime()) / 1000);
    return { ok: true, queued };
  }

  /** Closes and tells the citizen the bot is back (or, if the platform does not allow it now, at their next message). */
  async close(h: Handoff, reason: 'staff' | 'timeout'): Promise<boolean> {
    const { stores, dialog } = this.ctx;
    if (!(await stores.handoffs.closeHandoff(h.id, reason, new Date()))) return false;
    const text = reason === 'timeout' ? dialog.text('handoff.timeout', { hours: this.ctx.settings.handoffTimeoutHours }) : dialog.text('handoff.back');
    const contact = h.userKey ? await stores.subscriptions.getContact(h.userKey) : undefined;
    const channel = this.ctx.channels.get(h.channel);
    if (contact && channel) {
      const outcome = await channel.sendTo({ userId: contact.userId, address: parseAddress(contact.address), lastSeen: contact.lastSeen.getTime() },
        [{ text, buttons: dialog.menuButtons() }], 'notice');
      if (outcome.status === 'sent') await stores.handoffs.setBackNotified(h.id);
    }
    if (h.userKey) await stores.subscriptions.pruneContact(h.userKey);
    return true;
  }

  /** Conversations nobody answered within HANDOFF_TIMEOUT_HOURS go back to the bot with an apology (one instance wins each). */
  async expire(): Promise<number> {
    const before = new Date(Date.now() - this.ctx.settings.handoffTimeoutHours * HOUR_MS);
    let n = 0;
    for (const h of await this.ctx.stores.handoffs.expiredHandoffs(before, 100)) if (await this.close(h, 'timeout')) n++;
    return n;
  }

  /** Tells the staff's Telegram group about a new conversation (no citizen's words: only channel and organisation). */
  async announce(h: Handoff): Promise<void> {
    const { staffChatId, publicUrl } = this.ctx.settings;
    const telegram = this.ctx.channels.get('telegram');
    if (!staffChatId || !telegram) return;
    const text = this.ctx.dialog.text('handoff.notify', {
      channel: CHANNEL_NAMES[h.channel], organisation: h.organisation ? `, ${h.organisation}` : '', link: publicUrl ? `: ${publicUrl}/admin/#inbox` : '',
    });
    const outcome = await telegram.sendTo({ userId: staffChatId }, [{ text }], 'notice');
    if (outcome.status !== 'sent') this.ctx.log.warn({ outcome: outcome.status }, 'staff group not notified of a new conversation');
  }

  /** Handoffs requested in a period, how many were answered, and the median wait for the first staff reply. */
  async summary(from?: Date, to?: Date): Promise<{ requested: number; answered: number; medianWaitSeconds: number | null }> {
    const times = await this.ctx.stores.handoffs.handoffTimes(from, to);
    const waits = times.filter((t) => t.answeredAt).map((t) => (t.answeredAt!.getTime() - t.requestedAt.getTime()) / 1000).sort((a, b) => a - b);
    const mid = waits.length >> 1;
    const median = !waits.length ? null : waits.length % 2 ? waits[mid]! : (waits[mid - 1]! + waits[mid]!) / 2;
    return { requested: times.length, answered: waits.length, medianWaitSeconds: median === null ? null : Math.round(median) };
  }

  private async item(h: Handoff): Promise<HandoffItem> {
    const contact = h.userKey ? await this.ctx.stores.subscriptions.getContact(h.userKey) : undefined;
    const channel = this.ctx.channels.get(h.channel);
    const reach: Reach = h.status !== 'closed' && contact && channel ? channel.reach(contact.lastSeen.getTime(), 'staff') : { when: 'outside' };
    const iso = (t?: number) => (t === undefined ? undefined : new Date(t).toISOString());
    return {
      id: h.id, channel: h.channel, status: h.status, waitingSince: h.requestedAt.toISOString(), lastMessageAt: h.lastMessageAt.toISOString(),
      ...(h.organisation ? { organisation: h.organisation } : {}), ...(h.unit ? { unit: h.unit } : {}),
      ...(reach.deadline !== undefined ? { replyDeadline: iso(reach.deadline) } : {}), ...(reach.freeUntil !== undefined ? { freeUntil: iso(reach.freeUntil) } : {}),
      canReply: reach.when !== 'outside',
    };
  }
}
