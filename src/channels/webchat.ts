import express, { type Response } from 'express';
import { z } from 'zod';
import type { Config } from '../config.js';
import type { Inbound, Reply } from '../core/messages.js';
import { imageType } from '../core/images.js';
import type { PeopleHooks } from '../core/outreach.js';
import type { Channel } from './kit/types.js';
import { sendError } from '../http/errors.js';
import type { RateLimiter } from '../scale/rate-limit.js';

const chatRequest = z.object({
  userId: z.string().trim().min(1).max(128),
  text: z.string().optional(),
  payload: z.string().min(1).max(200).optional(),
  /** A screenshot to check for scams, as a data URL (JPEG or PNG). */
  image: z.string().optional(),
}).strict()
  .refine((b) => b.text !== undefined || b.payload !== undefined || b.image !== undefined, { message: 'one of "text", "payload" or "image" is required' })
  .refine((b) => b.image === undefined || (b.text === undefined && b.payload === undefined), { message: '"image" comes alone, without "text" or "payload"' });

const DATA_URL = /^data:image\/(png|jpe?g);base64,([A-Za-z0-9+/\s]*={0,2})\s*$/;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export interface WebChatDeps {
  engine: { handle(inbound: Inbound): Promise<Reply[]> };
  config: Pick<Config, 'BODY_LIMIT_BYTES' | 'WEBCHAT_LIMIT_PER_USER' | 'WEBCHAT_LIMIT_PER_IP' | 'WEBCHAT_NEW_SESSIONS_PER_IP' | 'IMAGE_MAX_BYTES'>;
  limiter: RateLimiter;
  /** Whether the bot already holds a conversation with this web user id. */
  known(userId: string): Promise<boolean>;
  /** Observes each answered message and how long its replies took (metrics). */
  observe?(seconds: number, replies: number): void;
  /** Announcements and staff replies waiting for the person's next visit. */
  people?: PeopleHooks;
}

function tooMany(res: Response, waitMs: number, message: string): void {
  res.setHeader('Retry-After', String(Math.ceil(waitMs / 1000)));
  sendError(res, 429, 'too_many_requests', message);
}

/**
 * The built-in web chat: POST /api/chat, answered synchronously with the replies. The endpoint is public and
 * its user ids are whatever the browser sends, so the address is limited first (a refused request creates
 * nothing), then the user ids it may start per hour (so one machine cannot pose as thousands of people), then
 * each user's pace.
 */
export function createWebChat(deps: WebChatDeps): Channel {
  const { config, limiter } = deps;
  const router = express.Router();
  // A body may be as large as a base64 image (4/3 of its bytes) only if it carries one; other bodies keep the usual limit.
  const imageBodyLimit = Math.max(config.BODY_LIMIT_BYTES, Math.ceil(config.IMAGE_MAX_BYTES / 3) * 4 + 4096);
  const json = express.json({ limit: imageBodyLimit, type: () => true, verify: (req, _res, buf) => { (req as { rawLength?: number }).rawLength = buf.length; } });
  router.post('/api/chat', json, async (req, res) => {
    const parsed = chatRequest.safeParse(req.body);
    if (!parsed.success) {
      const i = parsed.error.issues[0]!;
      return sendError(res, 400, 'invalid_request', `${i.path.join('.') || 'body'}: ${i.message}`);
    }
    const { userId, text, payload } = parsed.data;
    if (parsed.data.image === undefined && ((req as { rawLength?: number }).rawLength ?? 0) > config.BODY_LIMIT_BYTES) {
      return sendError(res, 413, 'payload_too_large', 'Request body is too large');
    }
    const image = parsed.data.image === undefined ? undefined : readImage(parsed.data.image, config.IMAGE_MAX_BYTES);
    if (image && 'status' in image) return sendError(res, image.status, image.code, image.message);
    const address = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    const fast = 'Bạn gửi tin nhắn nhanh quá. Vui lòng chờ một chút rồi gửi lại.';
    const ipWait = await limiter.hit(`web:ip:${address}`, config.WEBCHAT_LIMIT_PER_IP, MINUTE);
    if (ipWait) return tooMany(res, ipWait, fast);
    if (!(await deps.known(userId))) {
      const wait = await limiter.hit(`web:new:${address}`, config.WEBCHAT_NEW_SESSIONS_PER_IP, HOUR);
      if (wait) return tooMany(res, wait, 'Có quá nhiều người mới bắt đầu trò chuyện từ cùng một mạng. Vui lòng thử lại sau ít phút.');
    }
    const userWait = await limiter.hit(`web:user:${userId}`, config.WEBCHAT_LIMIT_PER_USER, MINUTE);
    if (userWait) return tooMany(res, userWait, fast);
    const started = performance.now();
    const bytes = image?.bytes;
    const replies = await deps.engine.handle({
      channel: 'web', userId, receivedAt: new Date(), ...(bytes ? { image: { load: async () => bytes } } : { text, payload }),
    });
    deps.observe?.((performance.now() - started) / 1000, replies.length);
    // Announcements and staff replies that waited for this visit come after the answer.
    // Best effort: the answer itself never waits on them.
    await deps.people?.afterTurn('web', userId, async (more) => {
      replies.push(...more);
      return { status: 'sent' };
    }).catch(() => undefined);
    res.json({ replies: replies.map((r) => ({ text: r.text, buttons: r.buttons ?? [] })) });
  });
  return { name: 'web', router };
}

/** A data URL's picture: JPEG or PNG by its bytes (not only by what the URL says), at most `max` bytes. */
function readImage(dataUrl: string, max: number): { bytes: Uint8Array } | { status: number; code: string; message: string } {
  const m = DATA_URL.exec(dataUrl);
  if (!m) return { status: 400, code: 'invalid_image', message: 'image: expected a data URL "data:image/png;base64,..." or "data:image/jpeg;base64,..."' };
  const bytes = Buffer.from(m[2]!, 'base64');
  if (bytes.length > max) return { status: 413, code: 'image_too_large', message: `image: ${bytes.length} bytes; the largest accepted is ${max} bytes` };
  const type = imageType(bytes);
  if (!type || (type === 'png') !== (m[1] === 'png')) return { status: 400, code: 'invalid_image', message: 'image: the data is not a JPEG or PNG picture' };
  return { bytes };
}
