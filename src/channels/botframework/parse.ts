import crypto from 'node:crypto';
import type { Activity } from 'botbuilder';
import type { ParsedMessage } from '../kit/types.js';

function isGroupConversation(a: Activity): boolean {
  const type = a.conversation?.conversationType;
  return a.conversation?.isGroup === true || type === 'groupChat' || type === 'channel';
}

/** A short stable key for the inbox: activity ids are unique only within a conversation (Teams uses timestamps). */
function dedupKey(...parts: string[]): string {
  return crypto.createHash('sha256').update(parts.join('\n')).digest('base64url').slice(0, 32);
}

const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);

/** The person a conversationUpdate introduces: Web Chat adds them; Teams announces a personal install by adding the bot only. */
function addedPerson(a: Activity): string | undefined {
  const botId = a.recipient?.id;
  const members: unknown[] = Array.isArray(a.membersAdded) ? a.membersAdded : [];
  const added = members.map((m) => str((m as { id?: unknown } | null)?.id)).filter((id): id is string => !!id);
  const person = added.find((id) => id !== botId);
  if (person) return person;
  const from = str(a.from?.id);
  return botId && added.includes(botId) && a.conversation?.conversationType === 'personal' && from && from !== botId ? from : undefined;
}

/**
 * A personal conversation's message (or its start); undefined for group chats, typing, reactions, installs,
 * invokes and events. The activity itself is the reply address (its conversation reference).
 */
export function parseBotFramework(a: Activity): ParsedMessage | undefined {
  const channelId = str(a.channelId);
  const conversationId = str(a.conversation?.id);
  if (!channelId || !conversationId || isGroupConversation(a)) return undefined;
  // An activity without an id is keyed by its content.
  const activityKey = str(a.id) ?? `content:${dedupKey(JSON.stringify(a))}`;
  if (a.type === 'message') {
    const fromId = str(a.from?.id);
    if (!fromId || fromId === a.recipient?.id) return undefined;
    const value = a.value as { payload?: unknown } | undefined;
    const submitted = value && typeof value === 'object' ? str(value.payload) : undefined;
    const text = typeof a.text === 'string' && a.text.trim() ? a.text : undefined;
    const hasAttachments = Array.isArray(a.attachments) && a.attachments.length > 0;
    return {
      userId: `${channelId}:${fromId}`, messageId: dedupKey(channelId, conversationId, activityKey), address: a,
      input: submitted ? { payload: submitted } : text !== undefined ? { text } : hasAttachments ? { unsupported: true } : {},
    };
  }
  if (a.type === 'conversationUpdate') {
    const person = addedPerson(a);
    if (!person) return undefined;
    return { userId: `${channelId}:${person}`, messageId: dedupKey(channelId, conversationId, activityKey, person), address: a, input: { start: true } };
  }
  return undefined;
}
