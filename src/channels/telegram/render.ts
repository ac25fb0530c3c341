import type { Reply } from '../../core/messages.js';
import { renderWithButtons, utf8Length } from '../kit/render.js';
import type { Rendered } from '../kit/types.js';

export const TELEGRAM_TEXT_LIMIT = 4096;
const CALLBACK_DATA_MAX_BYTES = 64;
const MAX_INLINE_BUTTONS = 100;

export interface TgPart { text: string; reply_markup?: { inline_keyboard: { text: string; callback_data: string }[][] } }

/** Inline keyboard on the last part, or a numbered list when a payload is too long for callback_data. */
export function renderTelegram(reply: Reply, limit = TELEGRAM_TEXT_LIMIT): Rendered<TgPart> {
  return renderWithButtons<TgPart>(reply, {
    limit,
    fits: (buttons) => buttons.length <= MAX_INLINE_BUTTONS && buttons.every((b) => b.payload.length > 0 && utf8Length(b.payload) <= CALLBACK_DATA_MAX_BYTES),
    // One button per row: Vietnamese titles are long and phones are narrow.
    attach: (last, buttons) => {
      last.reply_markup = { inline_keyboard: buttons.map((b) => [{ text: b.title, callback_data: b.payload }]) };
    },
  });
}
