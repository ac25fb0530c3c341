import crypto from 'node:crypto';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import express from 'express';
import type { Logger } from '../../log.js';
import type { Metrics } from '../../ops/metrics.js';
import { sendError } from '../../http/errors.js';
import { describe } from './errors.js';
import type { ChannelName } from '../../core/messages.js';
import type { WebhookSpec } from './types.js';

/** Compares secrets in constant time, whatever their lengths. */
export function safeEqual(a: string, b: string): boolean {
  const ha = crypto.createHash('sha256').update(a).digest();
  const hb = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(ha, hb) && a.length === b.length;
}

/** Parses a raw body; undefined when it is not a JSON object. */
export function parseJsonBody(raw: Buffer): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(raw.toString('utf8'));
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Events stored between two yields to the event loop, so a huge batch never freezes other requests. */
const EVENTS_PER_YIELD = 20;

/**
 * One webhook, the same way for every platform: raw body within the limit → the adapter's verification →
 * JSON → each event stored in the inbox, in order → 200. A storage failure answers 503, so the platform
 * delivers the batch again (the events already stored are then dropped as duplicates).
 */
export function webhookRouter<E>(
  channel: ChannelName,
  spec: WebhookSpec<E>,
  accept: (event: E) => Promise<unknown>,
  o: { bodyLimit: number; log: Logger; metrics?: Metrics },
): express.Router {
  const router = express.Router();
  if (spec.get) {
    const get = spec.get.bind(spec);
    router.get(spec.path, (req, res) => {
      const out = get(req.query as Record<string, unknown>);
      if (out.status === 200) res.status(200).type('text/plain').set('x-content-type-options', 'nosniff').send(out.text);
      else sendError(res, out.status, 'forbidden', out.text);
    });
  }
  router.post(spec.path, (_req, res, next) => {
    const end = o.metrics?.webhookDuration.startTimer({ channel });
    if (end) res.once('finish', () => end());
    next();
  }, express.raw({ type: () => true, limit: o.bodyLimit }), async (req, res) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const body = parseJsonBody(raw);
    const refusal = await spec.verify({ raw, body, header: (name) => req.get(name) });
    if (refusal) {
      if (refusal.retryAfterSeconds) res.set('retry-after', String(refusal.retryAfterSeconds));
      return sendError(res, refusal.status, refusal.code, refusal.message);
    }
    if (!body) return sendError(res, 400, 'malformed_json', 'Request body is not valid JSON');
    try {
      const events = spec.events(body);
      for (let i = 0; i < events.length; i++) {
        if (i && i % EVENTS_PER_YIELD === 0) await yieldToEventLoop();
        await accept(events[i]!);
      }
    } catch (err) {
      o.log.error({ channel, err: describe(err) }, 'could not store an event; the platform will deliver it again');
      res.set('retry-after', '5');
      return sendError(res, 503, 'storage_unavailable', 'Could not store the event');
    }
    res.sendStatus(200);
  });
  return router;
}
