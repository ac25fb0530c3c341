import { ChatOpenAI } from '@langchain/openai';
import type { Answerer, AnswerResult } from '../core/ports.js';
import type { Logger } from '../log.js';
import { answerParts, composeAnswer, screens } from './compose.js';
import type { ConversationRules } from './conversation.js';
import type { Hit, HybridIndex } from './hybrid.js';
import type { Chunk } from './knowledge.js';
import type { ScopeModel } from './scope-model.js';
import { sameQuestion } from './same-question.js';
import { holdsAskedFacts } from './asked-fact.js';
import { canonical, fold } from '../text/vietnamese.js';
import { Memo, TEXTS_KEPT } from '../core/memo.js';

/** Composes an answer from retrieved passages only; any failure falls back to the extractive answer. */
export interface Composer {
  compose(question: string, passages: Chunk[]): Promise<string>;
}

/** Answers kept for questions asked again (citizens ask the same few things); dropped whenever the knowledge changes. */
const ANSWER_CACHE = TEXTS_KEPT;
/**
 * How strongly the scope model must read a message as out of scope (log-odds) to decline it although it names an
 * in-scope word (else it would go to staff as unknown), and to decline it although a passage matched. Chosen on
 * the development set (`npm run eval`), never on the held-out one.
 */
const DECLINE_UNANSWERED_ODDS = 2.5;
const DECLINE_ANSWERED_ODDS = 1;
/** A message with this many topic words or fewer is short (see declineOdds). */
const SHORT_TOPIC_WORDS = 2;
/** How strongly it must read as in scope (log-odds below minus this) to overrule a decline pattern. */
const KEEP_IN_SCOPE_ODDS = 3;
/** A passage matched this confidently is answered whatever the scope model says ("trẻ con chơi game bao lâu"). */
const SURE = 0.95;

export class KnowledgeAnswerer implements Answerer {
  private readonly byArticle = new Map<string, Chunk[]>();
  private readonly recent = new Memo<Promise<AnswerResult>>(ANSWER_CACHE);
  /** Topic words of the questions staff marked out of scope, by the marked question. */
  private readonly marked = new Map<string, Set<string>>();
  /** Passages folded, for the asked-fact check. */
  private readonly folded = new Map<string, string>();

  constructor(
    private index: HybridIndex,
    private rules: ConversationRules,
    chunks: Chunk[],
    private opts: { minConfidence: number; composer?: Composer; log: Logger; scope?: ScopeModel },
  ) {
    for (const c of chunks) this.byArticle.set(c.articleId, [...(this.byArticle.get(c.articleId) ?? []), c]);
  }

  async answer(question: string): Promise<AnswerResult> {
    const key = canonical(question).trim();
    try {
      // The answer being worked out is kept too: the same question asked twice at once is answered once.
      return await this.recent.get(key, () => this.explain(question).then((e) => e.result));
    } catch (err) {
      this.recent.delete(key);
      throw err;
    }
  }

  /** The knowledge changed (a sample question added by staff): answers given so far may differ now. */
  forget(): void {
    this.recent.clear();
  }

  /**
   * Staff marked a question out of scope (on) or took the mark back (off): the same question (most of its topic words
   * the same, see sameQuestion) is declined while a mark holds. A question without topic words is never marked.
   */
  mark(question: string, on: boolean): void {
    const words = new Set(this.index.topicWords(question));
    const was = this.marked.has(question);
    if (on && words.size) this.marked.set(question, words);
    else this.marked.delete(question);
    // The scope model learns from the mark too, so that other wordings of the request are declined as well.
    if (on && words.size && !was) this.opts.scope?.add(question, 'out');
    if (!on && was) this.opts.scope?.remove(question, 'out');
  }

  /** Staff attached a question to a section (on) or took it back (off): it is in scope. */
  learnSample(question: string, on: boolean): void {
    this.opts.scope?.[on ? 'add' : 'remove'](question, 'in');
  }

  private isMarked(question: string): boolean {
    if (!this.marked.size) return false;
    const words = new Set(this.index.topicWords(question));
    return [...this.marked.values()].some((m) => sameQuestion(words, m));
  }

  /** The answer with the passages it was chosen from (for the eval and the staff's section picker). */
  async explain(question: string): Promise<{ result: AnswerResult; hits: Hit[] }> {
    const understood = this.rules.classify(question);
    // An out-of-scope pattern in a message that also names something the bot covers ("video trên TikTok nói ăn lá
    // này chữa ung thư") is only a fallback: the knowledge base answers if it can.
    // So is one the scope model reads as clearly about what the bot covers ("mua đất" in "người gọi mời mua đất,
    // biết cả tên tôi, chắc thông tin bị bán rồi").
    const tentative = understood?.kind === 'out_of_scope' && (understood.tentative || this.outOdds(question) < -KEEP_IN_SCOPE_ODDS);
    if (understood && !tentative) return { result: { kind: understood.kind, text: understood.text }, hits: [] };
    if (this.isMarked(question)) return { result: this.rules.decline(), hits: [] };
    const hits = await this.index.search(question, 5);
    const confident = (hits[0]?.confidence ?? 0) >= this.opts.minConfidence;
    if (understood && !confident) return { result: { kind: understood.kind, text: understood.text }, hits };
    return { result: await this.fromHits(question, hits), hits };
  }

  private async fromHits(question: string, hits: Hit[]): Promise<AnswerResult> {
    const best = hits[0];
    const outOdds = this.outOdds(question);
    if (!best || best.confidence < this.opts.minConfidence) return this.unanswerable(question, outOdds);
    // The cheap tests first: declineOdds reads the message again, and most answered questions read as in scope.
    if (outOdds > DECLINE_ANSWERED_ODDS && best.confidence < SURE && outOdds > this.declineOdds(question)) return this.rules.decline();
    const parts = answerParts(hits, (a) => this.byArticle.get(a) ?? [], this.opts.minConfidence);
    if (!holdsAskedFacts(this.index.clauses(question), parts.map((c) => this.foldedText(c)))) return this.unanswerable(question, outOdds);
    const answer = composeAnswer(parts);
    const composed = await this.compose(question, parts);
    const [text, ...more] = composed ? screens(composed) : answer.pages;
    return { kind: 'answer', text: text!, ...(more.length ? { more } : {}), title: best.chunk.title, source: answer.source, confidence: best.confidence };
  }

  /**
   * How out of scope an answered question must read to be declined. A short message that names something the bot
   * covers ("otp la j") must read as clearly out as an unanswered one: the scope model leans out on short messages,
   * and "otp la j" sat at the threshold, declined or answered as unrelated examples changed.
   */
  private declineOdds(question: string): number {
    const short = this.index.topicWords(question).length <= SHORT_TOPIC_WORDS;
    return short && this.rules.inScope(question) ? DECLINE_UNANSWERED_ODDS : DECLINE_ANSWERED_ODDS;
  }

  private outOdds(question: string): number {
    return this.opts.scope?.outOdds(question) ?? 0;
  }

  /**
   * In scope (kept for staff) when it names something the bot covers and does not read as out of scope, or reads
   * as clearly in scope although it names nothing from the list.
   */
  private unanswerable(question: string, outOdds: number): AnswerResult {
    if (outOdds > DECLINE_UNANSWERED_ODDS) return this.rules.decline();
    return outOdds < -KEEP_IN_SCOPE_ODDS ? { kind: 'unknown' } : this.rules.unanswerable(question);
  }

  private foldedText(c: Chunk): string {
    let t = this.folded.get(c.id);
    if (t === undefined) this.folded.set(c.id, (t = fold(`${c.heading}\n${c.text}`)));
    return t;
  }

  private async compose(question: string, parts: Chunk[]): Promise<string | undefined> {
    if (!this.opts.composer) return undefined;
    try {
      return (await this.opts.composer.compose(question, parts)).trim() || undefined;
    } catch (err) {
      this.opts.log.warn({ err: (err as Error).message }, 'LLM compose failed; using the extractive answer');
      return undefined;
    }
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

  async compose(question: string, passages: Chunk[]): Promise<string> {
    const context = passages.map((p, i) => `[${i + 1}] ${p.title} — ${p.heading}\n${p.text}`).join('\n\n');
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
