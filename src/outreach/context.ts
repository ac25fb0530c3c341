import type { ChannelName, Reply } from '../core/messages.js';
import type { Dialog } from '../core/ports.js';
import type { Logger } from '../log.js';
import type { BroadcastButton, OutreachStores } from '../storage/outreach-ports.js';
import type { ParticipationStore } from '../storage/ports.js';
import type { ChannelRegistry } from './channels.js';

/** What outreach reports for /metrics (the composition root wires it to prom-client). */
export interface OutreachObserver {
  recipient(channel: ChannelName, result: string): void;
  handoffAnswered(waitSeconds: number): void;
}

export interface OutreachSettings {
  /** How long a claim on a delivery lasts unrenewed (INBOX_LEASE_MS). */
  leaseMs: number;
  /** Announcements waiting for a person's next message are dropped after this many days. */
  laterDays: number;
  /** Unanswered conversations go back to the bot after this many hours. */
  handoffTimeoutHours: number;
  /** A Telegram group told about each new conversation for staff. */
  staffChatId?: string;
  /** Where the dashboard is, for the staff notification. */
  publicUrl?: string;
}

/** Everything the outreach services share. */
export interface OutreachContext {
  dialog: Dialog;
  stores: OutreachStores;
  participation: ParticipationStore;
  /** The pseudonymous key of a platform user (the recorder's). */
  keyOf: (channel: ChannelName, userId: string) => string;
  channels: ChannelRegistry;
  settings: OutreachSettings;
  observe?: OutreachObserver;
  log: Logger;
}

/** An announcement as people receive it: the staff's text, a line on how to stop, its buttons. */
export function announcement(b: { text: string; buttons: BroadcastButton[] }, dialog: Dialog): Reply {
  return { text: `${b.text}\n\n${dialog.text('outreach.footer')}`, ...(b.buttons.length ? { buttons: b.buttons } : {}) };
}

/** A staff member's message as the citizen sees it. */
export function staffReply(text: string, dialog: Dialog): Reply {
  return { text: `${dialog.text('handoff.staff_prefix')}\n${text}` };
}

/** The person's address as stored (JSON), back to what the channel sends to. */
export function parseAddress(address: string | undefined): unknown {
  if (!address) return undefined;
  try {
    return JSON.parse(address) as unknown;
  } catch {
    return undefined;
  }
}

export const OUTREACH_TEXTS = [
  'outreach.subscribed', 'outreach.already_subscribed', 'outreach.unsubscribed', 'outreach.not_subscribed', 'outreach.footer',
  'outreach.data_active', 'outreach.data_stopped', 'outreach.data_handoff', 'outreach.data_only', 'handoff.requested', 'handoff.already', 'handoff.ended',
  'handoff.not_active', 'handoff.back', 'handoff.timeout', 'handoff.offer', 'handoff.offer_yes', 'handoff.offer_no',
  'handoff.staff_prefix', 'handoff.notify', 'handoff.back_button',
] as const;

/** Channel names as staff and citizens read them. */
export const CHANNEL_NAMES: Record<ChannelName, string> = { zalo: 'Zalo', messenger: 'Messenger', telegram: 'Telegram', web: 'web chat', botframework: 'Teams' };

/** "27/11/2026" and "27/11/2026 07:19" in Vietnam time. */
export const vnDate = (d: Date) => d.toLocaleDateString('vi-VN', { timeZone: 'Asia/Ho_Chi_Minh', day: '2-digit', month: '2-digit', year: 'numeric' });
export const vnTime = (d: Date) => `${vnDate(d)} ${d.toLocaleTimeString('vi-VN', { timeZone: 'Asia/Ho_Chi_Minh', hour: '2-digit', minute: '2-digit', hour12: false })}`;
