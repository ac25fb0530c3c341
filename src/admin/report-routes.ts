import type express from 'express';
import { z } from 'zod';
import { sendError } from '../http/errors.js';
import { CHANNEL_LABELS, REPORTED_CHANNELS, computeStats, vnDateTime, vnDay } from '../participation/stats.js';
import type { ExportContext } from '../participation/export.js';
import { DIMENSION_LABELS, FEEDBACK_LABELS, METRIC_LABELS, REPORT_METRICS, SCAM_LABELS, TOTAL_LABEL } from '../participation/labels.js';
import { principalOf, requireAdmin } from './auth.js';
import { abortOnClose, describeFilter, filterOr400 } from './filters.js';
import type { AdminDeps } from './deps.js';

const codeQuery = z.object({ code: z.string().trim().regex(/^[A-Za-z0-9-]{3,64}$/) });
const UNANSWERED_LIMIT = 200;
const FEEDBACK_TOPICS_LIMIT = 100;
/** The names of the numbers, from the one module the exports use too: the dashboard shows no other. */
const LABELS = { metrics: METRIC_LABELS, dimensions: DIMENSION_LABELS, total: TOTAL_LABEL, reportMetrics: REPORT_METRICS, scam: SCAM_LABELS };

/** Who am I, the dashboard's lists, statistics, unanswered questions and completion codes. */
export function reportRoutes(router: express.Router, deps: AdminDeps, ctx: ExportContext): void {
  const { participation, directory } = deps;
  router.get('/api/admin/me', (_req, res) => {
    const p = principalOf(res);
    res.json({ username: p.name, role: p.role, organisation: p.organisation ?? null, via: p.via });
  });

  router.get('/api/admin/meta', (_req, res) => {
    const p = principalOf(res);
    res.json({
      organisations: directory.organisations
        .filter((o) => p.role === 'admin' || o.name === p.organisation)
        .map((o) => ({ code: o.code, name: o.name })),
      units: directory.units.map((u) => ({ name: u.name, label: u.label, kind: u.kind })),
      channels: REPORTED_CHANNELS.map((c) => ({ id: c, label: CHANNEL_LABELS[c] })),
      quizzes: [...(ctx.quizTitles ?? new Map()).entries()].map(([id, title]) => ({ id, title })),
      today: vnDay(new Date()),
    });
  });

  router.get('/api/admin/stats', async (req, res) => {
    const f = filterOr400(req, res, directory);
    if (!f) return;
    const signal = abortOnClose(res);
    try {
      const report = await computeStats(participation, f.filter, { ...ctx, fromDay: f.fromDay, toDay: f.toDay, filter: f.filter }, signal);
      res.json({ filter: describeFilter(f), generatedAt: new Date().toISOString(), labels: LABELS, ...report });
    } catch (err) {
      if (signal.aborted) return;
      throw err;
    }
  });

  // Unanswered questions are stored without organisation, so they cannot be narrowed to a viewer's
  // organisation; citizens' free text stays with administrators.
  router.get('/api/admin/unanswered', requireAdmin, async (_req, res) => {
    const items = await participation.listUnanswered(UNANSWERED_LIMIT);
    res.json({
      items: items.map((q) => ({
        id: q.id, at: q.at.toISOString(), time: vnDateTime(q.at), channel: q.channel, channelLabel: CHANNEL_LABELS[q.channel] ?? q.channel, text: q.text,
      })),
    });
  });
  // Why answers did not help: one tap per answer, by the article it came from; no citizen's words.
  router.get('/api/admin/feedback', requireAdmin, async (req, res) => {
    const f = filterOr400(req, res, directory);
    if (!f) return;
    res.json({ labels: FEEDBACK_LABELS, items: await participation.feedbackReasons({ from: f.filter.from, to: f.filter.to }, FEEDBACK_TOPICS_LIMIT) });
  });
  codeRoutes(router, deps, ctx);
}

/** Checks a completion code a citizen shows (audited). */
function codeRoutes(router: express.Router, deps: AdminDeps, ctx: ExportContext): void {
  const { staff, participation } = deps;
  router.get('/api/admin/verify-code', async (req, res) => {
    const q = codeQuery.safeParse(req.query);
    if (!q.success) {
      return res.status(400).json({ error: { code: 'invalid_filter', parameter: 'code', message: 'Tham số "code" không hợp lệ: mã gồm chữ, số và dấu gạch ngang.' } });
    }
    const code = q.data.code;
    const found = (await participation.findCompletionCode(code)) ?? (await participation.findCompletionCode(code.toUpperCase()));
    const p = principalOf(res);
    await staff.logAudit(p.name, 'verify_code', JSON.stringify({ code, found: !!found }));
    if (!found) return sendError(res, 404, 'not_found', `Không tìm thấy mã "${code}".`);
    res.json({
      code: found.code, quizId: found.quizId, quizTitle: ctx.quizTitles?.get(found.quizId) ?? found.quizId,
      score: found.score, total: found.total, at: found.at.toISOString(), date: vnDay(found.at), time: vnDateTime(found.at),
    });
  });
}
