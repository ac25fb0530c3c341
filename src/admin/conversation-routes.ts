import express, { type Response } from 'express';
import { z } from 'zod';
import { sendError } from '../http/errors.js';
import { CHANNEL_LABELS } from '../participation/stats.js';
import type { Handoff } from '../storage/outreach-ports.js';
import { principalOf, requireAdmin, type Principal } from './auth.js';
import type { AdminDeps } from './deps.js';
import { filterOr400 } from './filters.js';

const listQuery = z.object({ status: z.enum(['waiting', 'open', 'closed'], 'cần "waiting", "open" hoặc "closed"').default('waiting') });
const replyBody = z.object({ text: z.string().trim().min(1).max(1800) }).strict();

/** A viewer sees only conversations of people registered with their organisation; unregistered ones are for admins. */
const visible = (h: Handoff, p: Principal) => p.role === 'admin' || (!!h.organisation && h.organisation === p.organisation);

/** The staff's inbox: conversations handed over by citizens, replies within each platform's window, close. */
export function conversationRoutes(router: express.Router, deps: AdminDeps): void {
  const o = deps.outreach;
  if (!o) return;
  const { desk } = o;
  const json = express.json({ limit: '16kb' });

  /** The conversation if this principal may see it; a 404 otherwise (a viewer does not learn that others exist). */
  const find = async (id: string, res: Response) => {
    const found = await desk.get(id);
    if (found && visible(found.handoff, principalOf(res))) return found;
    sendError(res, 404, 'not_found', 'Không có cuộc trò chuyện này.');
    return undefined;
  };

  router.get('/api/admin/conversations', async (req, res) => {
    const q = listQuery.safeParse(req.query);
    if (!q.success) return sendError(res, 400, 'invalid_request', `Tham số "status" không hợp lệ: ${q.error.issues[0]!.message}.`);
    const p = principalOf(res);
    const items = await desk.list(q.data.status, p.role === 'viewer' ? p.organisation : undefined);
    res.json({ items: items.map((i) => ({ ...i, channelLabel: CHANNEL_LABELS[i.channel] ?? i.channel })) });
  });

  router.get('/api/admin/conversations/:id', async (req, res) => {
    const found = await find(String(req.params.id), res);
    if (!found) return;
    const { item, messages } = found;
    res.json({
      ...item, channelLabel: CHANNEL_LABELS[item.channel] ?? item.channel,
      messages: messages.map((m) => ({ from: m.from, text: m.text, at: m.at.toISOString(), ...(m.from === 'staff' ? { author: m.author ?? null, delivered: m.delivered } : {}) })),
    });
  });

  router.post('/api/admin/conversations/:id/reply', json, async (req, res) => {
    if (!req.is('application/json')) return sendError(res, 415, 'unsupported_media_type', 'Cần gửi dữ liệu dạng JSON.');
    const body = replyBody.safeParse(req.body);
    if (!body.success) return sendError(res, 400, 'invalid_request', 'Cần nội dung trả lời (tối đa 1.800 ký tự).');
    const found = await find(String(req.params.id), res);
    if (!found) return;
    const p = principalOf(res);
    const result = await desk.reply(found.handoff, body.data.text, p.name);
    await deps.staff.logAudit(p.name, 'handoff_reply', JSON.stringify({ id: found.handoff.id, ok: result.ok }));
    if (!result.ok) return res.status(result.status).json({ error: result.error, message: result.message });
    // Web chat: handed to the web chat, which shows it with its next answer to the person.
    res.json({ delivered: true });
  });

  router.post('/api/admin/conversations/:id/close', async (req, res) => {
    const found = await find(String(req.params.id), res);
    if (!found) return;
    const p = principalOf(res);
    const closed = await desk.close(found.handoff, 'staff');
    if (closed) await deps.staff.logAudit(p.name, 'handoff_close', JSON.stringify({ id: found.handoff.id }));
    res.json({ id: found.handoff.id, status: 'closed' });
  });

  summaryRoute(router, deps);
}

/** Counts for the yearly report: conversations requested and answered, the median wait, announcements delivered per channel. */
function summaryRoute(router: express.Router, deps: AdminDeps): void {
  const o = deps.outreach!;
  router.get('/api/admin/outreach/summary', requireAdmin, async (req, res) => {
    const f = filterOr400(req, res, deps.directory);
    if (!f) return;
    const [handoffs, sent] = await Promise.all([o.desk.summary(f.filter.from, f.filter.to), o.broadcasts.sentByChannel(f.filter.from, f.filter.to)]);
    res.json({ handoffs, broadcasts: { sentByChannel: Object.fromEntries(sent.map((s) => [s.channel, s.count])) } });
  });
}
