import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import type { ChannelName } from '../core/messages.js';
import { sendError } from '../http/errors.js';
import type { AudienceFilter, BroadcastButton } from '../storage/outreach-ports.js';
import { principalOf, requireAdmin } from './auth.js';
import type { AdminDeps } from './deps.js';

const CHANNELS = ['zalo', 'messenger', 'telegram', 'web', 'botframework'] as const;
const blank = (v: unknown) => (v === '' || v === null ? undefined : v);
const name = z.preprocess(blank, z.string().trim().min(1).max(200).optional());
const filterShape = {
  channel: z.preprocess(blank, z.enum(CHANNELS, 'cần một trong: zalo, messenger, telegram, web, botframework').optional()),
  organisation: name,
  unit: name,
};
const draftBody = z.object({
  // Room for the "how to stop" line under the platforms' 2,000 characters.
  text: z.string('cần nội dung thông báo').trim().min(1, 'cần nội dung thông báo').max(1800, 'tối đa 1.800 ký tự'),
  buttons: z.array(z.object({ title: z.string().trim().min(1).max(40), payload: z.string().trim().min(1).max(64) }).strict()).max(3, 'tối đa 3 nút').optional(),
  ...filterShape,
}).strict();
const reportQuery = z.object({ offset: z.coerce.number().int().min(0).default(0), limit: z.coerce.number().int().min(1).max(1000).default(200) });

type Outreach = NonNullable<AdminDeps['outreach']>;

function invalid(res: Response, issue: z.ZodError["issues"][number]): void {
  const field = issue.path.join('.') || 'body';
  sendError(res, 400, 'invalid_request', `Trường "${field}" không hợp lệ: ${issue.message}.`);
}

/** The audience filter with organisation and commune matched like the statistics' filters; a message when one is unknown. */
function audienceOf(deps: AdminDeps, q: { channel?: ChannelName; organisation?: string; unit?: string }): AudienceFilter | string {
  const organisation = q.organisation ? deps.directory.findOrganisation(q.organisation)?.name : undefined;
  if (q.organisation && !organisation) return `Không có tổ chức "${q.organisation}".`;
  const unit = q.unit ? deps.directory.findUnit(q.unit)?.name : undefined;
  if (q.unit && !unit) return `Không có xã/phường "${q.unit}".`;
  return { ...(q.channel ? { channel: q.channel } : {}), ...(organisation ? { organisation } : {}), ...(unit ? { unit } : {}) };
}

/** Buttons may open a quiz, an article or a conversation flow's node; anything else would lead nowhere. */
function checkButtons(deps: AdminDeps, o: Outreach, buttons: BroadcastButton[]): string | undefined {
  const flows = new Set([...o.dialog.nodes()].map((n) => n.payload).filter(Boolean));
  const quizzes = new Set(deps.quizzes.map((q) => `QZ:start:${q.id}`));
  const articles = new Set(o.articles.map((a) => `ART:show:${a.id}`));
  const bad = buttons.find((b) => !flows.has(b.payload) && !quizzes.has(b.payload) && !articles.has(b.payload));
  return bad && `Nút "${bad.title}" dẫn tới "${bad.payload}", không phải một bài kiểm tra, bài viết hay mục nào của chatbot.`;
}

/** Announcements (admins only): audience preview, draft, send, progress, per-recipient report, cancel. */
export function broadcastRoutes(router: express.Router, deps: AdminDeps): void {
  const o = deps.outreach;
  if (!o) return;
  const json = express.json({ limit: '16kb' });
  router.get('/api/admin/outreach/options', requireAdmin, (_req, res) => {
    res.json({
      channels: CHANNELS,
      quizzes: deps.quizzes.map((q) => ({ title: q.title, payload: `QZ:start:${q.id}` })),
      articles: o.articles.map((a) => ({ title: a.title, payload: `ART:show:${a.id}` })),
    });
  });

  router.get('/api/admin/audience', requireAdmin, async (req, res) => {
    const q = z.object(filterShape).safeParse(req.query);
    if (!q.success) return invalid(res, q.error.issues[0]!);
    const filter = audienceOf(deps, q.data);
    if (typeof filter === 'string') return sendError(res, 400, 'invalid_request', filter);
    res.json(await o.broadcasts.audience(filter));
  });

  router.post('/api/admin/broadcasts', requireAdmin, json, async (req: Request, res: Response) => {
    if (!req.is('application/json')) return sendError(res, 415, 'unsupported_media_type', 'Cần gửi dữ liệu dạng JSON.');
    const body = draftBody.safeParse(req.body);
    if (!body.success) return invalid(res, body.error.issues[0]!);
    const filter = audienceOf(deps, body.data);
    if (typeof filter === 'string') return sendError(res, 400, 'invalid_request', filter);
    const buttons = body.data.buttons ?? [];
    const wrong = checkButtons(deps, o, buttons);
    if (wrong) return sendError(res, 400, 'invalid_request', wrong);
    const p = principalOf(res);
    const { broadcast, audience } = await o.broadcasts.create({ text: body.data.text, buttons, filter }, p.name);
    await deps.staff.logAudit(p.name, 'broadcast_create', JSON.stringify({ id: broadcast.id, filter, recipients: audience.total }));
    res.status(201).json({ id: broadcast.id, status: broadcast.status, audience });
  });
  followRoutes(router, deps, o);
}

/** Progress, the per-recipient report, send and cancel. */
function followRoutes(router: express.Router, deps: AdminDeps, o: Outreach): void {
  router.get('/api/admin/broadcasts', requireAdmin, async (_req, res) => {
    res.json({ items: await o.broadcasts.list(100) });
  });

  router.get('/api/admin/broadcasts/:id', requireAdmin, async (req, res) => {
    const view = await o.broadcasts.view(String(req.params.id));
    if (!view) return sendError(res, 404, 'not_found', 'Không có thông báo này.');
    res.json(view);
  });

  router.get('/api/admin/broadcasts/:id/deliveries', requireAdmin, async (req, res) => {
    const q = reportQuery.safeParse(req.query);
    if (!q.success) return invalid(res, q.error.issues[0]!);
    const rows = await o.broadcasts.report(String(req.params.id), q.data.limit, q.data.offset);
    // The pseudonymous key (shortened) names a recipient; raw platform ids never leave the server.
    res.json({ items: rows.map((d) => ({ recipient: d.userKey ? d.userKey.slice(0, 8) : null, channel: d.channel, status: d.status, reason: d.reason ?? null, at: d.updatedAt.toISOString() })) });
  });

  router.post('/api/admin/broadcasts/:id/send', requireAdmin, async (req, res) => {
    const id = String(req.params.id);
    const result = await o.broadcasts.send(id);
    if (result === 'not_found') return sendError(res, 404, 'not_found', 'Không có thông báo này.');
    if (result === 'not_draft') return sendError(res, 409, 'already_sent', 'Thông báo này đã được gửi hoặc đã hủy.');
    await deps.staff.logAudit(principalOf(res).name, 'broadcast_send', JSON.stringify({ id }));
    res.status(202).json({ id, status: 'sending' });
  });

  router.post('/api/admin/broadcasts/:id/cancel', requireAdmin, async (req, res) => {
    const id = String(req.params.id);
    const result = await o.broadcasts.cancel(id);
    if (result === 'not_found') return sendError(res, 404, 'not_found', 'Không có thông báo này.');
    if (result === 'finished') return sendError(res, 409, 'finished', 'Thông báo này đã gửi xong, không hủy được nữa.');
    await deps.staff.logAudit(principalOf(res).name, 'broadcast_cancel', JSON.stringify({ id }));
    res.json({ id, status: 'cancelled' });
  });
}
