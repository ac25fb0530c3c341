import express from 'express';
import { z } from 'zod';
import type { Config } from '../config.js';
import type { Inbound, Reply } from '../core/messages.js';
import type { PeopleHooks } from '../core/outreach.js';
import type { Channel } from './kit/types.js';
import { sendError } from '../http/errors.js';
import type { RateLimiter } from '../scale/rate-limit.js';

const chatRequest = z.object({
  userId: z.string().trim().min(1).max(128),
  text: z.string().optional(),
  payload: z.string().min(1).max(200).optional(),
}).strict().refine((b) => b.text !== undefined || b.payload !== undefined, { message: 'either "text" or "payload" is required' });

const MINUTE = 60_000;

/** The built-in web chat: POST /api/chat, answered synchronously with the replies. */
export function createWebChat(
  engine: { handle(inbound: Inbound): Promise<Reply[]> },
  config: Pick<Config, 'BODY_LIMIT_BYTES' | 'WEBCHAT_LIMIT_PER_USER' | 'WEBCHAT_LIMIT_PER_IP'>,
  limiter: RateLimiter,
  people?: PeopleHooks,
): Channel {
  const router = express.Router();
  router.post('/api/chat', express.json({ limit: config.BODY_LIMIT_BYTES, type: () => true }), async (req, res) => {
    const parsed = chatRequest.safeParse(req.body);
    if (!parsed.success) {
      const i = parsed.error.issues[0]!;
      return sendError(res, 400, 'invalid_request', `${i.path.join('.') || 'body'}: ${i.message}`);
    }
    const { userId, text, payload } = parsed.data;
    // The endpoint is public: one person cannot type faster than the per-user limit, and a whole
    // meeting room behind one address stays well under the per-address one.
    const wait = Math.max(
      await limiter.hit(`web:user:${userId}`, config.WEBCHAT_LIMIT_PER_USER, MINUTE),
      await limiter.hit(`web:ip:${req.ip ?? req.socket.remoteAddress}`, config.WEBCHAT_LIMIT_PER_IP, MINUTE),
    );
    if (wait) {
      res.setHeader('Retry-After', String(Math.ceil(wait / 1000)));
      return sendError(res, 429, 'too_many_requests', 'Bạn gửi tin nhắn nhanh quá. Vui lòng chờ một chút rồi gửi lại.');
    }
    const replies = await engine.handle({ channel: 'web', userId, text, payload, receivedAt: new Date() });
    // Announcements and staff replies that waited for this visit come after the answer.
    // Best effort: the answer itself never waits on them.
    await people?.afterTurn('web', userId, async (more) => {
      replies.push(...more);
      return { status: 'sent' };
    }).catch(() => undefined);
    res.json({ replies: replies.map((r) => ({ text: r.text, buttons: r.buttons ?? [] })) });
  });
  return { name: 'web', router };
}
