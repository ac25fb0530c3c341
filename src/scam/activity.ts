import type { ChannelName, InboundImage, Reply } from '../core/messages.js';
import { ImageTooLarge } from '../core/images.js';
import { Memo, TEXTS_KEPT } from '../core/memo.js';
import type { Activity, ConversationState, Dialog, Recorder, Turn } from '../core/ports.js';
import { detectScam } from './detector.js';
import { readCheckRequest } from './intent.js';
import type { ScamKnowledge, SignalKind, Verdict } from './knowledge.js';
import { OcrError, type ImageReader, type OcrFailure } from './ocr.js';
import { checkReplies } from './reply.js';

/** What happened to one image, for the operator's metrics. */
export type ImageOutcome = 'read' | OcrFailure | 'too_big' | 'fetch_failed' | 'off';

export interface ScamObserver {
  checked?(c: { channel: ChannelName; verdict: Verdict; input: 'text' | 'image'; signals: SignalKind[] }): void;
  image?(outcome: ImageOutcome, seconds: number): void;
}

export interface ScamDeps {
  dialog: Dialog;
  recorder: Recorder;
  knowledge: ScamKnowledge;
  /** Reads screenshots; absent when images are off (OCR_WORKERS=0). */
  reader?: ImageReader;
  imageMaxBytes: number;
  /** How long fetching one image from the platform may take. */
  fetchTimeoutMs: number;
  observe?: ScamObserver;
}

const ANSWERS: Record<Exclude<ImageOutcome, 'read'>, string> = {
  unreadable: 'scam.unreadable', timeout: 'scam.busy', busy: 'scam.busy', failed: 'scam.unreadable', not_image: 'scam.not_image',
  too_big: 'scam.too_big', fetch_failed: 'scam.fetch_failed', off: 'scam.images_off',
};
// Shorter than this, a text typed while the check waits is a word to the bot ("ok", "cảm ơn"), not the message.
const MIN_MESSAGE_WORDS = 4;

/**
 * "Cái này có phải lừa đảo không?": checks a forwarded message or a screenshot for the signals in
 * knowledge/scam-signals.yaml and answers with a verdict, the signals quoted, what to do and the source.
 * Images are read into text and dropped; only the verdict and the kinds of signal are recorded.
 */
export class ScamActivity implements Activity {
  readonly prefix = 'SC';
  readonly actions = ['scam.start'] as const;

  /** Whether a text asks for a check is read on every text a person types, and the same texts come back. */
  private readonly requests = new Memo<ReturnType<typeof readCheckRequest>>(TEXTS_KEPT);

  constructor(private d: ScamDeps) {}

  /** The menu's "Kiểm tra tin lừa đảo": ask for the message; the models start loading while the person finds it. */
  async run(turn: Turn): Promise<void> {
    this.ask(turn);
    this.d.reader?.warm();
  }

  async onPayload(turn: Turn): Promise<void> {
    this.ask(turn);
  }

  awaitsText(state: ConversationState): boolean {
    return state.scamWaiting === true;
  }

  async onText(turn: Turn, text: string): Promise<boolean> {
    delete turn.state.scamWaiting;
    if ((text.match(/[\p{L}\p{N}]+/gu)?.length ?? 0) < MIN_MESSAGE_WORDS) return false;
    await this.check(turn, text, 'text');
    return true;
  }

  onLeave(state: ConversationState): void {
    delete state.scamWaiting;
  }

  async claimsText(turn: Turn, text: string): Promise<boolean> {
    if (turn.state.scamWaiting) return this.onText(turn, text);
    const request = this.requests.get(text, () => readCheckRequest(text, this.d.knowledge));
    if (!request) return false;
    if (request.kind === 'ask') this.ask(turn, 'scam.need_message');
    else await this.check(turn, request.message, 'text');
    return true;
  }

  async onImage(turn: Turn, image: InboundImage): Promise<boolean> {
    delete turn.state.scamWaiting;
    const started = performance.now();
    const outcome = await this.readImage(turn, image);
    this.d.observe?.image?.(typeof outcome === 'string' ? outcome : 'read', (performance.now() - started) / 1000);
    if (typeof outcome === 'string') {
      const { dialog, imageMaxBytes } = this.d;
      turn.replies.push({ text: dialog.text(ANSWERS[outcome], { max: `${Math.round(imageMaxBytes / 1024 / 1024 * 10) / 10} MB` }), buttons: this.buttons() });
      return true;
    }
    await this.check(turn, outcome.text, 'image');
    return true;
  }

  private async readImage(turn: Turn, image: InboundImage): Promise<Exclude<ImageOutcome, 'read'> | { text: string }> {
    const { reader, imageMaxBytes, fetchTimeoutMs } = this.d;
    if (!reader) return 'off';
    let bytes: Uint8Array;
    try {
      bytes = await image.load(AbortSignal.timeout(fetchTimeoutMs));
    } catch (e) {
      return e instanceof ImageTooLarge ? 'too_big' : 'fetch_failed';
    }
    if (bytes.length > imageMaxBytes) return 'too_big';
    try {
      return { text: await reader.read(bytes, turn.userKey) };
    } catch (e) {
      return e instanceof OcrError ? e.reason : 'failed';
    }
  }

  private async check(turn: Turn, message: string, input: 'text' | 'image'): Promise<void> {
    const { knowledge, dialog, recorder } = this.d;
    const f = detectScam(message, knowledge, { fromImage: input === 'image' });
    const signals = f.signals.map((s) => s.kind);
    await recorder.record(turn, 'scam_check', { verdict: f.verdict, signals });
    this.d.observe?.checked?.({ channel: turn.inbound.channel, verdict: f.verdict, input, signals });
    turn.replies.push(...checkReplies(f, knowledge, dialog, this.buttons(), input === 'image' ? message : undefined));
  }

  private ask(turn: Turn, key = 'scam.prompt'): void {
    turn.state.scamWaiting = true;
    turn.replies.push({ text: this.d.dialog.text(key), buttons: [this.menuButton()] } satisfies Reply);
  }

  private buttons() {
    return [{ title: this.d.dialog.text('scam.again_button'), payload: this.d.dialog.node('scam').payload! }, this.menuButton()];
  }

  private menuButton() {
    return { title: this.d.dialog.text('button.menu'), payload: this.d.dialog.node('menu').payload! };
  }
}
