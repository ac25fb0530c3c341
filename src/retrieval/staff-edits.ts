import type { AnswerResult } from '../core/ports.js';
import type { ChannelName } from '../core/messages.js';
import type { Logger } from '../log.js';
import type { KnowledgeEditStore, ParticipationStore } from '../storage/ports.js';
import type { KnowledgeEdit, UnansweredQuestion } from '../storage/types.js';
import type { KnowledgeAnswerer } from './answerer.js';
import type { HybridIndex } from './hybrid.js';
import { sameQuestion } from './same-question.js';

/** Unanswered questions grouped for staff: most asked first. */
export interface UnansweredGroup {
  /** The unanswered rows this group stands for (resolved together). */
  ids: number[];
  /** The newest wording. */
  text: string;
  /** Up to three other wordings. */
  others: string[];
  count: number;
  lastAt: Date;
  channels: ChannelName[];
  /** The section search likes best, though not enough to answer: a starting point for the picker. */
  suggestion?: { chunkId: string; title: string; heading: string };
}

/** What an applied edit changed in this instance, so that an undo can take it back. */
type Applied = { sample?: number; sampleText?: string; marked?: string };

/** Questions looked at for grouping: the newest unresolved ones. */
const GROUP_WINDOW = 1000;
/** Edits are read again from this many ids back, in case a concurrent one committed late (PostgreSQL sequences). */
const LOOKBACK_IDS = 50;

export class EditError extends Error {}

/**
 * The staff loop. Staff attach an unanswered question to a section as a new sample question, or mark it out of
 * scope; the edit goes to the database, and every instance replays the log (at once here, within `syncMs`
 * elsewhere), so the change takes effect everywhere without a restart and survives deploys.
 */
export class StaffEdits {
  private readonly applied = new Map<number, Applied>();
  private maxId = 0;
  private queue: Promise<void> = Promise.resolve();
  private timer?: NodeJS.Timeout;

  constructor(private deps: {
    edits: KnowledgeEditStore; unanswered: Pick<ParticipationStore, 'listUnanswered'>;
    index: HybridIndex; answerer: KnowledgeAnswerer; log: Logger; syncMs: number;
  }) {}

  async start(): Promise<void> {
    await this.sync();
    this.timer = setInterval(() => void this.sync().catch((err: Error) => this.deps.log.warn({ err: err.message }, 'knowledge edits sync failed')), this.deps.syncMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Applies the edits not applied yet, one sync at a time. */
  sync(): Promise<void> {
    this.queue = this.queue.then(() => this.pull(), () => this.pull());
    return this.queue;
  }

  sections() {
    return this.deps.index.sections();
  }

  async groups(limit: number): Promise<UnansweredGroup[]> {
    const groups: { words: Set<string>; items: UnansweredQuestion[] }[] = [];
    for (const q of await this.deps.unanswered.listUnanswered(GROUP_WINDOW)) {
      const words = new Set(this.deps.index.topicWords(q.text));
      const same = groups.find((g) => (words.size ? sameQuestion(words, g.words) : g.items[0]!.text === q.text));
      if (same) same.items.push(q);
      else groups.push({ words, items: [q] });
    }
    groups.sort((a, b) => b.items.length - a.items.length || b.items[0]!.id - a.items[0]!.id);
    return Promise.all(groups.slice(0, limit).map(async ({ items }) => {
      const [best] = await this.deps.index.search(items[0]!.text, 1);
      return {
        ids: items.map((q) => q.id), text: items[0]!.text, others: [...new Set(items.slice(1).map((q) => q.text))].filter((t) => t !== items[0]!.text).slice(0, 3),
        count: items.length, lastAt: items[0]!.at, channels: [...new Set(items.map((q) => q.channel))],
        ...(best ? { suggestion: { chunkId: best.chunk.id, title: best.chunk.title, heading: best.chunk.heading } } : {}),
      };
    }));
  }

  /** Attaches a question (as staff worded it) to a section; answers with what the bot now says to it. */
  async attach(o: { ids: number[]; text: string; chunkId: string; author: string }): Promise<AnswerResult> {
    if (this.deps.index.chunkIndex(o.chunkId) === undefined) throw new EditError('Không có mục nội dung này.');
    await this.deps.edits.addKnowledgeEdit({ at: new Date(), author: o.author, kind: 'sample', text: o.text, chunkId: o.chunkId, undoes: null }, o.ids);
    await this.sync();
    return this.deps.answerer.answer(o.text);
  }

  async markOutOfScope(o: { ids: number[]; text: string; author: string }): Promise<AnswerResult> {
    if (!this.deps.index.topicWords(o.text).length) throw new EditError('Câu này không có từ khóa nào để nhận ra lần sau.');
    await this.deps.edits.addKnowledgeEdit({ at: new Date(), author: o.author, kind: 'out_of_scope', text: o.text, chunkId: null, undoes: null }, o.ids);
    await this.sync();
    return this.deps.answerer.answer(o.text);
  }

  /** Takes an edit back (its questions stay resolved: staff dealt with them). */
  async undo(o: { id: number; author: string }): Promise<void> {
    const edits = await this.deps.edits.listKnowledgeEdits(0);
    const target = edits.find((e) => e.id === o.id);
    if (!target || target.kind === 'undo') throw new EditError('Không có thay đổi này.');
    if (edits.some((e) => e.undoes === o.id)) throw new EditError('Thay đổi này đã được hoàn tác.');
    await this.deps.edits.addKnowledgeEdit({ at: new Date(), author: o.author, kind: 'undo', text: null, chunkId: null, undoes: o.id }, []);
    await this.sync();
  }

  /** The edits still in force, newest first (for the dashboard). */
  async recent(limit: number): Promise<KnowledgeEdit[]> {
    const edits = await this.deps.edits.listKnowledgeEdits(0);
    const undone = new Set(edits.map((e) => e.undoes));
    return edits.filter((e) => e.kind !== 'undo' && !undone.has(e.id)).reverse().slice(0, limit);
  }

  private async pull(): Promise<void> {
    let changed = false;
    for (const e of await this.deps.edits.listKnowledgeEdits(Math.max(0, this.maxId - LOOKBACK_IDS))) {
      if (this.applied.has(e.id)) continue;
      this.applied.set(e.id, await this.apply(e));
      this.maxId = Math.max(this.maxId, e.id);
      changed = true;
    }
    if (changed) this.deps.answerer.forget();
  }

  private async apply(e: KnowledgeEdit): Promise<Applied> {
    const { index, answerer, log } = this.deps;
    if (e.kind === 'sample') {
      const chunk = index.chunkIndex(e.chunkId ?? '');
      // The section may be gone after a content update: the edit stays in the log, harmless.
      if (chunk === undefined || !e.text) {
        log.warn({ edit: e.id, chunk: e.chunkId }, 'sample question for a section that no longer exists');
        return {};
      }
      answerer.learnSample(e.text, true);
      return { sample: await index.addSample(chunk, e.text), sampleText: e.text };
    }
    if (e.kind === 'out_of_scope' && e.text) {
      answerer.mark(e.text, true);
      return { marked: e.text };
    }
    const target = e.undoes === null ? undefined : this.applied.get(e.undoes);
    if (target?.sample !== undefined) index.removeSample(target.sample);
    if (target?.sampleText) answerer.learnSample(target.sampleText, false);
    if (target?.marked) answerer.mark(target.marked, false);
    // Taken back once, even if two staff undo it at the same time.
    if (e.undoes !== null) this.applied.set(e.undoes, {});
    return {};
  }
}
