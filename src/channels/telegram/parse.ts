import type { ParsedMessage } from '../kit/types.js';

interface TgUser { id: number }
interface TgChat { id: number; type: string }
interface TgPhotoSize { file_id?: unknown; file_size?: unknown; width?: unknown; height?: unknown }
interface TgDocument { file_id?: unknown; mime_type?: unknown; file_size?: unknown }
interface TgMessage { message_id: number; chat: TgChat; from?: TgUser; text?: string; photo?: TgPhotoSize[]; document?: TgDocument; caption?: string }
interface TgCallbackQuery { id: string; from?: TgUser; message?: TgMessage; data?: string }
interface TgChatMember { status?: string }
interface TgMemberUpdate { chat?: TgChat; date?: number; new_chat_member?: TgChatMember }
export interface TgUpdate { update_id: number; message?: TgMessage; callback_query?: TgCallbackQuery; my_chat_member?: TgMemberUpdate }

/** The updates the bot asks Telegram for (webhook and long polling alike). */
export const TELEGRAM_ALLOWED_UPDATES = ['message', 'callback_query', 'my_chat_member'];

export function isUpdate(v: unknown): v is TgUpdate {
  return !!v && typeof v === 'object' && Number.isSafeInteger((v as TgUpdate).update_id);
}

/** "/start@my_bot" -> "/start"; "/start abc" (deep link) -> "/start". */
export function normaliseCommand(text: string): string {
  const m = text.match(/^\/([A-Za-z0-9_]+)(?:@[A-Za-z0-9_]+)?(?:\s|$)/);
  if (!m) return text;
  return m[1]!.toLowerCase() === 'start' ? '/start' : text.replace(/^(\/[A-Za-z0-9_]+)@[A-Za-z0-9_]+/, '$1');
}

const isPrivate = (chat: TgChat | undefined) => chat?.type === 'private';
const idOf = (x: { id?: unknown } | undefined) => (typeof x?.id === 'number' || typeof x?.id === 'string' ? String(x.id) : undefined);

/**
 * A private chat's message or button press; undefined for anything else: group chats (the bot would answer
 * everyone's chatter), edited messages, polls, membership changes, and updates missing what they need.
 */
export function parseTelegram(update: TgUpdate): ParsedMessage | undefined {
  const { message, callback_query: cq } = update;
  const messageId = String(update.update_id);
  if (message) {
    const userId = idOf(message.chat);
    if (!isPrivate(message.chat) || !userId) return undefined;
    const text = typeof message.text === 'string' ? normaliseCommand(message.text) : undefined;
    const image = imageOf(message);
    if (image) return { userId, messageId, input: {}, image };
    return { userId, messageId, input: text !== undefined ? { text } : { unsupported: true } };
  }
  if (update.my_chat_member) return memberChange(update.my_chat_member, messageId);
  if (cq && typeof cq.id === 'string') {
    const chat = cq.message?.chat;
    if (chat && !isPrivate(chat)) return undefined;
    const userId = idOf(chat) ?? idOf(cq.from);
    if (!userId) return undefined;
    return { userId, messageId, ack: cq.id, input: typeof cq.data === 'string' && cq.data ? { payload: cq.data } : { unsupported: true } };
  }
  return undefined;
}

/** A photo (its largest size) or a picture sent as a file (JPEG/PNG), by its file id; the caption is not read. */
export function imageOf(message: TgMessage): { fileId: string; size?: number } | undefined {
  const sizes = Array.isArray(message.photo) ? message.photo.filter((p) => typeof p?.file_id === 'string' && p.file_id) : [];
  const largest = sizes[sizes.length - 1];
  if (largest) return { fileId: largest.file_id as string, ...(typeof largest.file_size === 'number' ? { size: largest.file_size } : {}) };
  const doc = message.document;
  if (doc && typeof doc.file_id === 'string' && doc.file_id && (doc.mime_type === 'image/jpeg' || doc.mime_type === 'image/png')) {
    return { fileId: doc.file_id, ...(typeof doc.file_size === 'number' ? { size: doc.file_size } : {}) };
  }
  return undefined;
}

/** A button pressed in a group chat: not a conversation we hold, but the button must still stop spinning. */
export function groupCallbackId(update: TgUpdate): string | undefined {
  const cq = update.callback_query;
  return cq && typeof cq.id === 'string' && cq.message?.chat && !isPrivate(cq.message.chat) ? cq.id : undefined;
}

/** A private chat's `my_chat_member`: "kicked" means the person blocked the bot, "member" that they unblocked it. */
function memberChange(u: TgMemberUpdate, messageId: string): ParsedMessage | undefined {
  const userId = idOf(u.chat);
  const status = u.new_chat_member?.status;
  if (!isPrivate(u.chat) || !userId || (status !== 'kicked' && status !== 'member')) return undefined;
  return { userId, messageId, input: {}, present: status === 'member', ...(typeof u.date === 'number' ? { at: u.date * 1000 } : {}) };
}
