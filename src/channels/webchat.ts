import express from 'express';
import { z } from 'zod';
import type { Engine } from '../core/engine.js';
import type { Channel } from './channel.js';
import { sendError } from '../http/errors.js';

const chatRequest = z.object({
  userId: z.string().trim().min(1).max(128),
  text: z.string().optional(),
  payload: z.string().min(1).max(200).optional(),
}).strict().refine((b) => b.text !== undefined || b.payload !== undefined, { message: 'either "text" or "payload" is required' });

/** The built-in web chat: POST /api/chat, answered synchronously with the replies. */
export function createWebChat(engine: Engine, bodyLimit: number): Channel {
  const router = express.Router();
  router.post('/api/chat', express.json({ limit: bodyLimit, type: () => true }), async (req, res) => {
    const parsed = chatRequest.safeParse(req.body);
    if (!parsed.success) {
      const i = parsed.error.issues[0]!;
      return sendError(res, 400, 'invalid_request', `${i.path.join('.') || 'body'}: ${i.message}`);
    }
    const { userId, text, payload } = parsed.data;
    const replies = await engine.handle({ channel: 'web', userId, text, payload, receivedAt: new Date() });
    res.json({ replies: replies.map((r) => ({ text: r.text, buttons: r.buttons ?? [] })) });
  });
  return { name: 'web', router };
}
