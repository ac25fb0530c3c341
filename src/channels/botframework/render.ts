import type { CardAction } from 'botbuilder';
import type { Reply } from '../../core/messages.js';
import { renderWithButtons } from '../kit/render.js';
import type { Rendered } from '../kit/types.js';

/** Characters per message part; Teams takes about 28 KB per message, Vietnamese text is up to 3 bytes a character. */
export const BOTFRAMEWORK_TEXT_LIMIT = 4000;
/** Teams shows at most 6 buttons on a hero card; more become a numbered list. */
const MAX_CARD_BUTTONS = 6;

export interface BfPart {
  text: string;
  /** messageBack buttons for a hero card under the text (last part only). */
  actions?: CardAction[];
}

/** Text parts with the buttons as hero-card actions on the last part, or a numbered list. */
export function renderBotFramework(reply: Reply, limit = BOTFRAMEWORK_TEXT_LIMIT): Rendered<BfPart> {
  return renderWithButtons<BfPart>(reply, {
    limit,
    fits: (buttons) => buttons.length <= MAX_CARD_BUTTONS && buttons.every((b) => b.payload.length > 0),
    // messageBack: the title shows in the chat, the payload travels in `value`, and `text` (the title)
    // still means the right thing if a client drops the value.
    attach: (last, buttons) => {
      last.actions = buttons.map((b) => ({ type: 'messageBack', title: b.title, text: b.title, displayText: b.title, value: { payload: b.payload } }));
    },
  });
}
