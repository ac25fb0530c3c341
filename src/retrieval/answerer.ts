import { ChatOpenAI } from '@langchain/openai';
import type { Answerer, AnswerResult } from '../core/ports.js';
import type { Logger } from '../log.js';
import type { HybridIndex, Hit } from './hybrid.js';

/** Composes an answer from retrieved passages only; any failure falls back to the extractive answer. */
export interface Composer {
  compose(question: string, passages: Hit[]): Promise<string>;
}

/** Cuts at a sentence or line end so a chat message never ends mid-sentence. */
export function trimToSentence(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  const end = Math.max(cut.lastIndexOf('. '), cut.lastIndexOf('.\n'), cut.lastIndexOf('\n'), cut.lastIndexOf('; '));
  return `${(end > max * 0.5 ? cut.slice(0, end + 1) : cut.slice(0, cut.lastIndexOf(' '))).trim()} …`;
}

export class KnowledgeAnswerer implements Answerer {
  constructor(
    private index: HybridIndex,
    private opts: { minConfidence: number; maxChars: number; composer?: Composer; log: Logger },
  ) {}

  async answer(question: string): Promise<AnswerResult> {
    const hits = await this.index.search(question, 3);
    const best = hits[0];
    if (!best || best.confidence < this.opts.minConfidence) return { found: false };
    const source = `${best.chunk.source} (bài “${best.chunk.title}”)`;
    let text = `${best.chunk.heading}\n${trimToSentence(best.chunk.text, this.opts.maxChars)}`;
    if (this.opts.composer) {
      try {
        const passages = hits.filter((h) => h.confidence >= this.opts.minConfidence);
        const composed = (await this.opts.composer.compose(question, passages)).trim();
        if (composed) text = trimToSentence(composed, this.opts.maxChars);
      } catch (err) {
        this.opts.log.warn({ err: (err as Error).message }, 'LLM compose failed; using the extractive answer');
      }
    }
    return { found: true, text, title: best.chunk.title, source, confidence: best.confidence };
  }
}

/** An OpenAI-compatible chat model told to use nothing but the passages given. */
export class LlmComposer implements Composer {
  private model: ChatOpenAI;

  constructor(opts: { apiKey: string; baseURL?: string; model: string; timeoutMs: number }) {
    this.model = new ChatOpenAI({
      apiKey: opts.apiKey, model: opts.model, temperature: 0, timeout: opts.timeoutMs, maxRetries: 0,
      configuration: opts.baseURL ? { baseURL: opts.baseURL } : undefined,
    });
  }

  async compose(question: string, passages: Hit[]): Promise<string> {
    const context = passages.map((p, i) => `[${i + 1}] ${p.chunk.title} — ${p.chunk.heading}\n${p.chunk.text}`).join('\n\n');
    const res = await this.model.invoke([
      ['system', 'Bạn là trợ lý của phong trào Bình dân học vụ số tỉnh Lai Châu. Chỉ trả lời bằng thông tin trong các đoạn tài liệu được cung cấp, ' +
        'bằng tiếng Việt giản dị, ngắn gọn (dưới 120 từ). Không thêm số liệu, ngày tháng hay tên văn bản nào không có trong tài liệu. ' +
        'Nếu tài liệu không trả lời được câu hỏi, chỉ viết: KHONG_CO_THONG_TIN.'],
      ['human', `Tài liệu:\n${context}\n\nCâu hỏi: ${question}`],
    ]);
    const text = typeof res.content === 'string' ? res.content : res.content.map((c) => ('text' in c ? c.text : '')).join('');
    if (text.includes('KHONG_CO_THONG_TIN')) throw new Error('model found no answer in the passages');
    return text;
  }
}
