import crypto from 'node:crypto';
import type { ParsedMessage } from '../kit/types.js';

export interface MessagingEvent {
  sender?: { id?: unknown };
  timestamp?: unknown;
  message?: { mid?: unknown; text?: unknown; is_echo?: unknown; quick_reply?: { payload?: unknown }; attachments?: unknown };
  postback?: { mid?: unknown; payload?: unknown };
}

/** The messaging events of a webhook body; `standby` events belong to another app in a handover. */
export function messagingEvents(body: Record<string, unknown>): MessagingEvent[] {
  if (body.object !== 'page' || !Array.isArray(body.entry)) return [];
  const events: MessagingEvent[] = [];
  for (const entry of body.entry as { messaging?: unknown }[]) {
    if (!entry || !Array.isArray(entry.messaging)) continue;
    for (const ev of entry.messaging as MessagingEvent[]) if (ev && typeof ev === 'object') events.push(ev);
  }
  return events;
}

const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);

/** The first image attachment's URL (a screenshot, a photo); stickers are images too but carry a sticker id and are not read. */
export function imageAttachment(attachments: unknown): { url: string } | undefined {
  if (!Array.isArray(attachments)) return undefined;
  for (const a of attachments as { type?: unknown; payload?: { url?: unknown; sticker_id?: unknown } }[]) {
    if (a?.type === 'image' && a.payload?.sticker_id === undefined && typeof a.payload?.url === 'string' && a.payload.url) return { url: a.payload.url };
  }
  return undefined;
}

/** A message or postback from a person; undefined for echoes, deliveries, reads, reactions and referrals. */
export function parseMessenger(ev: MessagingEvent): ParsedMessage | undefined {
  const userId = str(ev.sender?.id);
  if (!userId) return undefined;
  const at = typeof ev.timestamp === 'number' ? ev.timestamp : undefined;
  if (ev.message) {
    const m = ev.message;
    const mid = str(m.mid);
    if (m.is_echo || !mid) return undefined; // our own sends, mirrored back
    const quick = str(m.quick_reply?.payload);
    const text = typeof m.text === 'string' ? m.text : undefined;
    const image = quick || text !== undefined ? undefined : imageAttachment(m.attachments);
    if (image) return { userId, messageId: mid, at, input: {}, image };
    return { userId, messageId: mid, at, input: quick ? { payload: quick } : text !== undefined ? { text } : { unsupported: true } };
  }
  const payload = str(ev.postback?.payload);
  if (!payload) return undefined;
  // A postback without a mid is keyed by its content, so every redelivery of it is recognised.
  const messageId = str(ev.postback?.mid) ?? `postback:${crypto.createHash('sha256').update(JSON.stringify(ev)).digest('base64url').slice(0, 32)}`;
  return { userId, messageId, at, input: { payload } };
}
