import express from 'express';
import { z } from 'zod';
import { sendError } from '../http/errors.js';
import { CHANNEL_LABELS, vnDateTime } from '../participation/stats.js';
import { EditError } from '../retrieval/staff-edits.js';
import type { AnswerResult } from '../core/ports.js';
import { principalOf, requireAdmin } from './auth.js';
import type { AdminDeps } from './deps.js';

const GROUPS_LIMIT = 100;
const EDITS_LIMIT = 50;
const ids = z.array(z.number().int().positive()).max(1000).default([]);
const text = z.string().trim().min(3, 'Câu hỏi quá ngắn.').max(300, 'Câu hỏi dài quá 300 ký tự.');
const sampleBody = z.object({ ids, text, chunkId: z.string().min(1).max(200) });
const outOfScopeBody = z.object({ ids, text });

/** What the bot now says to the question: shown to staff right after their click. */
const outcome = (r: AnswerResult) => ({ kind: r.kind, ...(r.kind === 'answer' ? { title: r.title } : {}) });

/**
 * The staff loop (admins only: citizens' words): unanswered questions grouped with counts, attached to a
 * section as a sample question or marked out of scope, and the edits in force with an undo.
 */
export function knowledgeRoutes(router: express.Router, deps: AdminDeps): void {
  const loop = deps.knowledge;
  if (!loop) return;
  const json = express.json({ limit: '16kb' });
  router.get('/api/admin/unanswered/groups', requireAdmin, async (_req, res) => {
    const groups = await loop.groups(GROUPS_LIMIT);
    res.json({
      groups: groups.map((g) => ({
        ...g, lastAt: g.lastAt.toISOString(), lastTime: vnDateTime(g.lastAt), channelLabels: g.channels.map((c) => CHANNEL_LABELS[c] ?? c),
      })),
    });
  });

  router.get('/api/admin/knowledge/sections', requireAdmin, (_req, res) => res.json({ sections: loop.sections() }));

  router.get('/api/admin/knowledge/edits', requireAdmin, async (_req, res) => {
    const edits = await loop.recent(EDITS_LIMIT);
    res.json({ items: edits.map((e) => ({ ...e, at: e.at.toISOString(), time: vnDateTime(e.at) })) });
  });

  router.post('/api/admin/knowledge/samples', requireAdmin, json, async (req, res) => {
    const body = sampleBody.safeParse(req.body);
    if (!body.success) return sendError(res, 400, 'invalid_request', body.error.issues[0]!.message);
    await edit(res, 'knowledge_sample', { chunkId: body.data.chunkId, questions: body.data.ids.length }, (author) => loop.attach({ ...body.data, author }));
  });

  router.post('/api/admin/knowledge/out-of-scope', requireAdmin, json, async (req, res) => {
    const body = outOfScopeBody.safeParse(req.body);
    if (!body.success) return sendError(res, 400, 'invalid_request', body.error.issues[0]!.message);
    await edit(res, 'knowledge_out_of_scope', { questions: body.data.ids.length }, (author) => loop.markOutOfScope({ ...body.data, author }));
  });

  router.post('/api/admin/knowledge/edits/:id/undo', requireAdmin, async (req, res) => {
    const id = Number(req.params.id);
    if (!Number.isSafeInteger(id) || id <= 0) return sendError(res, 400, 'invalid_request', 'Mã thay đổi không hợp lệ.');
    await edit(res, 'knowledge_undo', { id }, async (author) => {
      await loop.undo({ id, author });
      return undefined;
    });
  });

  /** Runs an edit, audits it (without the citizen's words) and answers 201 with what the bot says now. */
  async function edit(res: express.Response, action: string, detail: object, run: (author: string) => Promise<AnswerResult | undefined>) {
    const author = principalOf(res).name;
    try {
      const now = await run(author);
      await deps.staff.logAudit(author, action, JSON.stringify(detail));
      res.status(now ? 201 : 200).json(now ? { now: outcome(now) } : { ok: true });
    } catch (err) {
      if (err instanceof EditError) return sendError(res, 400, 'invalid_request', err.message);
      throw err;
    }
  }
}
