import { payloadCodec } from '../core/payload.js';
import type { Activity, Dialog, Turn } from '../core/ports.js';
import type { Article, Chunk } from './knowledge.js';

export const articlePayloads = payloadCodec('ART', { show: ['id'] });

const MAX_CHARS = 900;

/** Opens a knowledge article from a button (an announcement's "Đọc bài"): its first passage and its source. */
export class ArticleActivity implements Activity {
  readonly prefix = articlePayloads.prefix;
  readonly actions = [] as const;
  private first = new Map<string, Chunk>();

  constructor(readonly articles: Article[], chunks: Chunk[], private dialog: Dialog) {
    for (const c of chunks) if (!this.first.has(c.articleId)) this.first.set(c.articleId, c);
  }

  awaitsText(): boolean {
    return false;
  }

  async onText(): Promise<boolean> {
    return false;
  }

  async run(): Promise<void> {}

  async onPayload(turn: Turn, payload: string): Promise<void> {
    const id = articlePayloads.decode(payload)?.args.id;
    const chunk = id ? this.first.get(id) : undefined;
    if (!chunk) return void turn.replies.push(this.dialog.reply(this.dialog.node('fallback')));
    const text = chunk.text.length > MAX_CHARS ? `${chunk.text.slice(0, chunk.text.lastIndexOf(' ', MAX_CHARS))}…` : chunk.text;
    turn.replies.push({ text: `${chunk.title}\n\n${text}\n\n${this.dialog.text('answer.source', { source: chunk.source })}`, buttons: this.dialog.menuButtons() });
  }
}
