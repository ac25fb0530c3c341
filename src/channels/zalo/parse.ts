import crypto from 'node:crypto';
import type { ParsedMessage } from '../kit/types.js';

export interface ZaloEvent {
  event_name?: unknown;
  timestamp?: unknown;
  sender?: { id?: unknown };
  follower?: { id?: unknown };
  message?: { msg_id?: unknown; text?: unknown; attachments?: unknown };
}

const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
/** The inbox keeps message ids after handling (to recognise redeliveries): never the person's id in clear. */
const hashed = (s: string) => crypto.createHash('sha256').update(s).digest('base64url').slice(0, 32);

/** A follow (greeted as a start), an unfollow (the person left), or a message from a person; undefined for echoes, receipts, seen... */
export function parseZalo(ev: ZaloEvent): ParsedMessage | undefined {
  const name = str(ev.event_name) ?? '';
  const ts = typeof ev.timestamp === 'string' || typeof ev.timestamp === 'number' ? String(ev.timestamp) : '';
  const at = Number(ts) > 0 ? Number(ts) : undefined;
  if (name === 'follow') {
    const userId = str(ev.follower?.id);
    return userId ? { userId, messageId: `follow:${hashed(`${userId}:${ts}`)}`, at, input: { start: true }, present: true } : undefined;
  }
  if (name === 'unfollow') {
    const userId = str(ev.follower?.id);
    return userId ? { userId, messageId: `unfollow:${hashed(`${userId}:${ts}`)}`, input: {}, present: false } : undefined;
  }
  if (!name.startsWith('user_send_')) return undefined;
  const userId = str(ev.sender?.id);
  const msgId = str(ev.message?.msg_id);
  if (!userId || !msgId) return undefined;
  if (name === 'user_send_image') {
    const image = imageUrl(ev.message?.attachments);
    if (image) return { userId, messageId: msgId, at, input: {}, image };
  }
  const input = name === 'user_send_text' ? { text: typeof ev.message?.text === 'string' ? ev.message.text : '' } : { unsupported: true as const };
  return { userId, messageId: msgId, at, input };
}

/** `user_send_image`: the attachment's full-size URL (not the thumbnail). */
function imageUrl(attachments: unknown): { url: string } | undefined {
  if (!Array.isArray(attachments)) return undefined;
  for (const a of attachments as { type?: unknown; payload?: { url?: unknown } }[]) {
    if (a?.type === 'image' && typeof a.payload?.url === 'string' && a.payload.url) return { url: a.payload.url };
  }
  return undefined;
}
