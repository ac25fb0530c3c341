import type { Config } from '../config.js';
import type { Dialog, Recorder } from '../core/ports.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../ops/metrics.js';
import { ScamActivity } from './activity.js';
import type { ScamKnowledge } from './knowledge.js';
import { OcrPool } from './ocr.js';

export { loadScamKnowledge } from './knowledge.js';
export { SCAM_TEXTS } from './reply.js';

/**
 * The scam check as the app plugs it in: the activity, and the OCR pool it reads screenshots with (none when
 * OCR_WORKERS=0). The pool's workers start on the first screenshot, or when someone opens the check from the menu:
 * a server that never gets images never spends the memory, and loading takes under a second on this project's machine.
 */
export function createScamCheck(o: { config: Config; dialog: Dialog; recorder: Recorder; knowledge: ScamKnowledge; metrics: Metrics; log: Logger }) {
  const { config, log, metrics } = o;
  const reader = config.OCR_WORKERS > 0
    ? new OcrPool({ workers: config.OCR_WORKERS, timeoutMs: config.OCR_TIMEOUT_MS, onError: (err) => log.warn({ err: String(err) }, 'reading an image failed') })
    : undefined;
  const activity = new ScamActivity({
    dialog: o.dialog, recorder: o.recorder, knowledge: o.knowledge, reader, imageMaxBytes: config.IMAGE_MAX_BYTES,
    fetchTimeoutMs: config.OCR_TIMEOUT_MS,
    observe: {
      checked: (c) => metrics.scamChecked(c.channel, c.verdict, c.input, c.signals),
      image: (outcome, seconds) => metrics.imageRead(outcome, seconds),
    },
  });
  return { activity, stop: () => reader?.stop() ?? Promise.resolve() };
}
