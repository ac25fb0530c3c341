import type { Reply } from '../../core/messages.js';
import { renderWithButtons, truncateTitle } from '../kit/render.js';
import type { Rendered } from '../kit/types.js';

export const MESSENGER_TEXT_LIMIT = 2000;
const MAX_QUICK_REPLIES = 13;
const QUICK_REPLY_TITLE_MAX = 20;
const QUICK_REPLY_PAYLOAD_MAX = 1000;

export interface MsgPart { text: string; quick_replies?: { content_type: 'text'; title: string; payload: string }[] }

/** Quick replies (≤ 13, titles ≤ 20 characters) on the last part; a numbered list when they do not fit. */
export function renderMessenger(reply: Reply, limit = MESSENGER_TEXT_LIMIT): Rendered<MsgPart> {
  return renderWithButtons<MsgPart>(reply, {
    limit,
    fits: (buttons) => buttons.length <= MAX_QUICK_REPLIES && buttons.every((b) => b.payload.length > 0 && b.payload.length <= QUICK_REPLY_PAYLOAD_MAX),
    attach: (last, buttons) => {
      last.quick_replies = buttons.map((b) => ({ content_type: 'text', title: truncateTitle(b.title, QUICK_REPLY_TITLE_MAX), payload: b.payload }));
    },
  });
}
