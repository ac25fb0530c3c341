import crypto from 'node:crypto';
import type { Activity, ConversationState, Turn } from '../core/ports.js';
import type { Handoff, HandoffSender } from '../storage/outreach-ports.js';
import { vnTime, type OutreachContext } from './context.js';

/** Conversation-state slots: the conversation with staff, the last exchanges, consecutive "no information" answers. */
interface Held { id: string }
interface Line { from: HandoffSender; text: string; at: number }
const held = (s: ConversationState) => s.handoff as Held | undefined;

const RECENT_LINES = 6;
const LINE_MAX = 500;
/** "No information" answers in a row after which a person is offered staff. */
const MISSES_BEFORE_OFFER = 2;
// Typed commands that still reach the bot while staff hold the conversation.
const COMMANDS = new Set(['menu', 'help', 'my_data', 'delete_data', 'subscribe', 'unsubscribe', 'handoff', 'handoff_end']);

/**
 * "Gặp cán bộ": hands the conversation to staff. While staff hold it the bot stays silent on free text, which is
 * kept for them; commands still work; "Quay lại trợ lý", a staff close or the timeout give it back to the bot.
 */
export class HandoffActivity implements Activity {
  readonly prefix = 'HO';
  readonly actions = ['handoff.request', 'handoff.end'] as const;

  constructor(private ctx: Pick<OutreachContext, 'dialog' | 'stores' | 'participation' | 'settings' | 'log'>, private announce: (h: Handoff) => Promise<void>) {}

  holds(state: ConversationState): boolean {
    return Boolean(held(state));
  }

  awaitsText(): boolean {
    return false;
  }

  async onPayload(turn: Turn): Promise<void> {
    turn.replies.push(this.ctx.dialog.reply(this.ctx.dialog.node('fallback')));
  }

  async run(turn: Turn, action: string): Promise<void> {
    return action === 'handoff.request' ? this.request(turn) : this.end(turn);
  }

  /** Free text while staff hold the conversation: kept for them, no reply. False once it is the bot's again. */
  async onText(turn: Turn, text: string): Promise<boolean> {
    const node = this.ctx.dialog.find({ text });
    if (node && COMMANDS.has(node.name)) return false;
    const open = await this.ctx.stores.handoffs.activeHandoff(turn.userKey);
    if (!open) {
      delete turn.state.handoff;
      await this.tellBack(turn);
      return false;
    }
    await this.ctx.stores.handoffs.addHandoffMessage({ handoffId: open.id, from: 'citizen', text: text.slice(0, 4000), at: turn.inbound.receivedAt, delivered: true });
    return true;
  }

  async afterTurn(turn: Turn): Promise<void> {
    const { state } = turn;
    // The bot spoke (a command, a button) while staff seemed to hold the conversation: maybe they closed it meanwhile.
    if (held(state) && turn.replies.length) await this.checkStillHeld(turn);
    this.remember(turn);
    if (turn.answered === undefined || held(state)) return;
    state.misses = turn.answered ? 0 : Number(state.misses ?? 0) + 1;
    if (Number(state.misses) < MISSES_BEFORE_OFFER) return;
    state.misses = 0;
    const { dialog } = this.ctx;
    turn.replies.push({ text: dialog.text('handoff.offer'), buttons: [
      { title: dialog.text('handoff.offer_yes'), payload: dialog.node('handoff').payload! },
      { title: dialog.text('handoff.offer_no'), payload: dialog.node('menu').payload! },
    ] });
  }

  private async request(turn: Turn): Promise<void> {
    const { dialog, stores } = this.ctx;
    const { channel, userId, receivedAt } = turn.inbound;
    const back = { title: dialog.text('handoff.back_button'), payload: dialog.node('handoff_end').payload! };
    const already = (h: Handoff) => {
      turn.state.handoff = { id: h.id } satisfies Held;
      turn.replies.push({ text: dialog.text('handoff.already', { time: vnTime(h.requestedAt) }), buttons: [back] });
    };
    const existing = await stores.handoffs.activeHandoff(turn.userKey);
    if (existing) return already(existing);
    const profile = await this.ctx.participation.getProfile(turn.userKey);
    await stores.subscriptions.saveContact({ userKey: turn.userKey, channel, userId });
    const h: Handoff = {
      id: crypto.randomBytes(9).toString('base64url'), userKey: turn.userKey, channel, status: 'waiting', organisation: profile?.organisation,
      unit: profile?.unit, requestedAt: receivedAt, lastMessageAt: receivedAt, backNotified: false,
    };
    const transcript = ((turn.state.recent ?? []) as Line[]).map((l) => ({ from: l.from, text: l.text, at: new Date(l.at), delivered: true }));
    if (!(await stores.handoffs.openHandoff(h, transcript))) {
      // Opened a moment ago (a double tap on two instances).
      const other = await stores.handoffs.activeHandoff(turn.userKey);
      return other ? already(other) : void turn.replies.push(dialog.reply(dialog.node('fallback')));
    }
    turn.state.handoff = { id: h.id } satisfies Held;
    delete turn.state.recent;
    turn.replies.push({ text: dialog.text('handoff.requested', { hours: this.ctx.settings.handoffTimeoutHours }), buttons: [back] });
    void this.announce(h).catch((err: unknown) => this.ctx.log.warn({ err: (err as Error).message }, 'could not notify staff of a new conversation'));
  }

  private async end(turn: Turn): Promise<void> {
    const { dialog, stores } = this.ctx;
    delete turn.state.handoff;
    const open = await stores.handoffs.activeHandoff(turn.userKey);
    if (open && (await stores.handoffs.closeHandoff(open.id, 'citizen', turn.inbound.receivedAt))) {
      await stores.handoffs.setBackNotified(open.id);
      await stores.subscriptions.pruneContact(turn.userKey);
    }
    turn.replies.push({ text: dialog.text(open ? 'handoff.ended' : 'handoff.not_active'), buttons: dialog.menuButtons() });
  }

  /** A button or a command while held: if staff closed the conversation meanwhile, the person learns the bot is back. */
  private async checkStillHeld(turn: Turn): Promise<void> {
    if (await this.ctx.stores.handoffs.activeHandoff(turn.userKey)) return;
    delete turn.state.handoff;
    await this.tellBack(turn);
  }

  /** Tells the person once that the bot is back (after a staff close or the timeout) if that notice did not reach them. */
  private async tellBack(turn: Turn): Promise<void> {
    const { handoffs } = this.ctx.stores;
    const closed = await handoffs.unnotifiedClosed(turn.userKey);
    if (!closed.length) return;
    for (const h of closed) await handoffs.setBackNotified(h.id);
    const timedOut = closed.at(-1)!.closedReason === 'timeout';
    turn.replies.unshift({ text: timedOut ? this.ctx.dialog.text('handoff.timeout', { hours: this.ctx.settings.handoffTimeoutHours }) : this.ctx.dialog.text('handoff.back') });
  }

  /** The last questions and the bot's answers, so that staff see what the bot said before the person asked for them. */
  private remember(turn: Turn): void {
    if (held(turn.state) || !turn.inbound.text || turn.answered === undefined) return;
    const at = turn.inbound.receivedAt.getTime();
    const lines: Line[] = [...((turn.state.recent ?? []) as Line[]), { from: 'citizen', text: turn.inbound.text.slice(0, LINE_MAX), at }];
    const said = turn.replies.map((r) => r.text).join('\n').slice(0, LINE_MAX);
    if (said) lines.push({ from: 'bot', text: said, at });
    turn.state.recent = lines.slice(-RECENT_LINES);
  }
}
