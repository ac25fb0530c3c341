import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import Tesseract from 'tesseract.js';
import { imageType } from '../core/images.js';

/**
 * Reads the text of screenshots offline: tesseract.js (WebAssembly, in worker threads) with the Vietnamese and
 * English models installed from npm (@tesseract.js-data/vie, /eng). The models are read from node_modules through
 * a local directory; `langPath` is a path, never a URL, and nothing is cached or written elsewhere, so no network
 * is ever tried. A few workers (a setting, sized for the machine), started on the first image or by `warm()`,
 * then kept; a bounded queue; a timeout per image; one image at a time per person.
 */

export type OcrFailure = 'unreadable' | 'timeout' | 'busy' | 'not_image' | 'failed';

export class OcrError extends Error {
  constructor(readonly reason: OcrFailure, message: string = reason) {
    super(message);
  }
}

/** What reads an image's text (the pool, or a fake in tests). */
export interface ImageReader {
  /** The text in the image; `key` is the person's (one image at a time each). Rejects with OcrError. */
  read(bytes: Uint8Array, key: string): Promise<string>;
  /** Starts loading the models in the background (a person opened the check: the screenshot is coming). */
  warm(): void;
  stop(): Promise<void>;
}

export interface OcrOptions {
  workers: number;
  timeoutMs: number;
  /** Images waiting beyond this many per worker are refused as busy (default 8). */
  queuePerWorker?: number;
  onError?(err: unknown): void;
}

interface Job {
  bytes: Uint8Array;
  key: string;
  resolve(text: string): void;
  reject(e: OcrError): void;
  timer: NodeJS.Timeout;
  slot?: Slot;
}
interface Slot { worker?: Promise<Tesseract.Worker>; busy: boolean }

// Fewer letters than this after reading: nothing a person could check.
const MIN_LETTERS = 8;
const MODEL = '4.0.0_best_int';

export class OcrPool implements ImageReader {
  private readonly slots: Slot[];
  private readonly queue: Job[] = [];
  private readonly inFlight = new Set<string>();
  private langDir?: string;
  private stopped = false;

  constructor(private o: OcrOptions) {
    this.slots = Array.from({ length: o.workers }, () => ({ busy: false }));
  }

  warm(): void {
    for (const slot of this.slots) void this.workerOf(slot).catch((e: unknown) => this.o.onError?.(e));
  }

  read(bytes: Uint8Array, key: string): Promise<string> {
    if (!imageType(bytes)) return Promise.reject(new OcrError('not_image'));
    if (this.stopped || !this.slots.length) return Promise.reject(new OcrError('busy'));
    // The engine already handles one person's messages in order; this also holds across callers.
    if (this.inFlight.has(key) || this.queue.length >= this.slots.length * (this.o.queuePerWorker ?? 8)) return Promise.reject(new OcrError('busy'));
    this.inFlight.add(key);
    return new Promise<string>((resolve, reject) => {
      const job: Job = {
        bytes, key, resolve, reject,
        timer: setTimeout(() => this.expire(job), this.o.timeoutMs),
      };
      this.queue.push(job);
      this.dispatch();
    }).finally(() => this.inFlight.delete(key));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const job of this.queue.splice(0)) this.settle(job, new OcrError('busy'));
    await Promise.all(this.slots.map((s) => this.discard(s)));
    if (this.langDir) fs.rmSync(this.langDir, { recursive: true, force: true });
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (slot.busy || !this.queue.length) continue;
      const job = this.queue.shift()!;
      slot.busy = true;
      job.slot = slot;
      void this.run(slot, job);
    }
  }

  private async run(slot: Slot, job: Job): Promise<void> {
    try {
      const worker = await this.workerOf(slot);
      const { data } = await worker.recognize(Buffer.from(job.bytes));
      const text = joinLines(data.text);
      const letters = text.match(/\p{L}/gu)?.length ?? 0;
      this.settle(job, letters < MIN_LETTERS ? new OcrError('unreadable') : text);
    } catch (e) {
      if (job.slot !== slot) return; // timed out: its worker was thrown away on purpose
      this.o.onError?.(e);
      this.settle(job, new OcrError('failed', String(e)));
      await this.discard(slot);
    } finally {
      if (job.slot === slot) {
        slot.busy = false;
        if (!this.stopped) this.dispatch();
      }
    }
  }

  /** An image that took too long: refused; a worker still reading it is thrown away (tesseract cannot cancel). */
  private expire(job: Job): void {
    const queued = this.queue.indexOf(job);
    if (queued >= 0) this.queue.splice(queued, 1);
    this.settle(job, new OcrError('timeout'));
    const slot = job.slot;
    if (slot) {
      job.slot = undefined;
      void this.discard(slot).finally(() => {
        slot.busy = false;
        if (!this.stopped) this.dispatch();
      });
    }
  }

  private settle(job: Job, result: string | OcrError): void {
    clearTimeout(job.timer);
    if (typeof result === 'string') job.resolve(result);
    else job.reject(result);
  }

  private async discard(slot: Slot): Promise<void> {
    const w = slot.worker;
    slot.worker = undefined;
    await w?.then((x) => x.terminate()).catch(() => undefined);
  }

  private workerOf(slot: Slot): Promise<Tesseract.Worker> {
    slot.worker ??= Tesseract.createWorker('vie+eng', Tesseract.OEM.LSTM_ONLY, {
      langPath: this.languageDir(), cacheMethod: 'none', gzip: true,
      // Failures reach us as rejected jobs; without a handler tesseract.js would throw on its own.
      errorHandler: () => undefined,
    });
    return slot.worker;
  }

  /** A directory holding both installed models, as tesseract.js reads one `langPath` for all languages. */
  private languageDir(): string {
    if (this.langDir) return this.langDir;
    const require = createRequire(import.meta.url);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bdhvs-ocr-'));
    for (const lang of ['vie', 'eng']) {
      const file = path.join(path.dirname(require.resolve(`@tesseract.js-data/${lang}/package.json`)), MODEL, `${lang}.traineddata.gz`);
      const link = path.join(dir, `${lang}.traineddata.gz`);
      try {
        fs.symlinkSync(file, link);
      } catch {
        fs.copyFileSync(file, link);
      }
    }
    return (this.langDir = dir);
  }
}

/**
 * OCR breaks lines where the bubble wrapped, not where sentences end (and sets wrapped lines apart as paragraphs
 * as often as not): lines are joined with a space, a word cut after a hyphen (as links are) without one.
 */
export function joinLines(text: string): string {
  return text.trim().replace(/-[ \t]*\n\s*/g, '-').replace(/\s*\n\s*/g, ' ');
}
