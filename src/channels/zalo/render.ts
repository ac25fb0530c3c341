import type { Reply } from '../../core/messages.js';
import { renderWithButtons } from '../kit/render.js';
import type { Rendered } from '../kit/types.js';

export const ZALO_TEXT_LIMIT = 2000;
const MAX_BUTTONS = 5;
const TITLE_MAX = 100;

interface ZaloButton { title: string; type: 'oa.query.show'; payload: string }
export interface ZaloPart { text: string; attachment?: { type: 'template'; payload: { buttons: ZaloButton[] } } }

/**
 * Buttons as `oa.query.show` on the last part (≤ 5), or a numbered list. The query text is shown in the chat
 * as if the user typed it, so it is the button's title (readable), mapped back to the payload on return.
 */
export function renderZalo(reply: Reply, limit = ZALO_TEXT_LIMIT): Rendered<ZaloPart> {
  return renderWithButtons<ZaloPart>(reply, {
    limit,
    fits: (buttons) => buttons.length <= MAX_BUTTONS,
    attach: (last, buttons) => {
      const queries: [string, string][] = [];
      const used = new Set<string>();
      const zb = buttons.map((b, i) => {
        let query = b.title.trim().slice(0, TITLE_MAX);
        if (used.has(query)) query = `${i + 1}. ${query}`; // two buttons with one title must still be told apart
        used.add(query);
        queries.push([query, b.payload]);
        return { title: b.title.slice(0, TITLE_MAX), type: 'oa.query.show' as const, payload: query };
      });
      last.attachment = { type: 'template', payload: { buttons: zb } };
      return queries;
    },
  });
}
