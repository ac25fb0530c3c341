import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { ParticipationStore, StaffStore } from '../storage/ports.js';
import type { Directory } from '../participation/directory.js';
import { sendError } from '../http/errors.js';
import { CHANNEL_LABELS, REPORTED_CHANNELS, computeStats, vnDateTime, vnDay } from '../participation/stats.js';
import {
  ExportAborted, exportFileName, frozenFilter, writeEventsCsv, writeSummaryCsv, writeXlsx, type ExportContext, type ExportMeta,
} from '../participation/export.js';
import {
  FailureLimiter, SESSION_COOKIE, authenticate, clientIp, newSessionToken, principalOf, readCookie, requireAdmin,
  sessionCookie, sessionKey, tooMany,
} from './auth.js';
import { DISABLED_HASH, dummyHash, verifyPassword } from './passwords.js';
import { FilterError, parseFilter, type ParsedFilter } from './filters.js';
import type { Quiz } from '../quiz/bank.js';

export interface AdminDeps {
  config: Config;
  staff: StaffStore;
  participation: ParticipationStore;
  directory: Directory;
  /** The loaded quiz bank, for quiz titles in reports. */
  quizzes: Quiz[];
  log: Logger;
  /** The directory holding admin/ (the dashboard files); defaults to the repository's public/. */
  publicDir?: string;
}

const loginBody = z.object({
  username: z.string().trim().min(1).max(64),
  password: z.string().min(1).max(256),
});
const codeQuery = z.object({ code: z.string().trim().regex(/^[A-Za-z0-9-]{3,64}$/) });

const UNANSWERED_LIMIT = 200;

// The dashboard uses only its own files and API: no inline script, no third-party origin.
const DASHBOARD_CSP = [
  "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data: blob:", "connect-src 'self'",
  "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'", "object-src 'none'",
].join('; ');

/** Staff dashboard (/admin) and its API (/api/admin/*): statistics, unanswered questions, codes, exports. */
export function createAdminRouter(deps: AdminDeps): express.Router {
  const { config, staff, participation, directory, log } = deps;
  const router = express.Router();
  const limiter = new FailureLimiter();
  const ctx: ExportContext = {
    organisations: directory.organisations.map((o) => o.name),
    units: directory.units.map((u) => ({ name: u.name, label: u.label })),
    quizTitles: new Map(deps.quizzes.map((q) => [q.id, q.title])),
  };

  router.use('/admin', (_req, res, next) => {
    res.setHeader('Content-Security-Policy', DASHBOARD_CSP);
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    next();
  });
  // Revalidated on every load so that a deploy reaches staff at once (the files are tiny).
  router.use('/admin', express.static(path.join(deps.publicDir ?? fileURLToPath(new URL('../../public', import.meta.url)), 'admin'), { maxAge: 0, index: 'index.html' }));

  router.use('/api/admin', (_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    next();
  });

  router.post('/api/admin/login', express.json({ limit: '4kb' }), async (req, res) => {
    // JSON only: a cross-site HTML form cannot send it, which closes login CSRF on top of SameSite.
    if (!req.is('application/json')) return sendError(res, 415, 'unsupported_media_type', 'Cần gửi dữ liệu dạng JSON.');
    const body = loginBody.safeParse(req.body);
    if (!body.success) return sendError(res, 400, 'invalid_request', 'Cần nhập tên đăng nhập và mật khẩu.');
    const username = body.data.username.toLowerCase();
    const ip = clientIp(req);
    const wait = limiter.retryAfter(ip, username);
    if (wait) return tooMany(res, wait);

    const user = await staff.getStaffUser(username);
    const usable = user && user.passwordHash !== DISABLED_HASH && (user.role === 'admin' || !!user.organisation);
    const ok = await verifyPassword(body.data.password, usable ? user.passwordHash : await dummyHash());
    if (!usable || !ok) {
      limiter.fail(ip, username);
      // Only existing accounts are named: a mistyped username may be someone's password.
      await staff.logAudit(user ? user.username : '(không rõ)', 'login_failed', JSON.stringify({ ip }));
      return sendError(res, 401, 'invalid_credentials', 'Tên đăng nhập hoặc mật khẩu không đúng.');
    }
    limiter.succeed(ip, username);
    const token = newSessionToken();
    const seconds = config.ADMIN_SESSION_HOURS * 3600;
    await staff.createStaffSession({ token: sessionKey(token), username: user.username, expiresAt: new Date(Date.now() + seconds * 1000) });
    await staff.logAudit(user.username, 'login', JSON.stringify({ ip }));
    res.setHeader('Set-Cookie', sessionCookie(req, token, seconds));
    res.json({ username: user.username, role: user.role, organisation: user.organisation ?? null, via: 'session' });
  });

  router.post('/api/admin/logout', async (req, res) => {
    const token = readCookie(req, SESSION_COOKIE);
    if (token) await staff.deleteStaffSession(sessionKey(token));
    res.setHeader('Set-Cookie', sessionCookie(req, '', 0));
    res.json({ ok: true });
  });

  // Everything below needs a valid bearer token or session.
  router.use('/api/admin', authenticate(config, staff, limiter));

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
    const f = filterOr400(req, res);
    if (!f) return;
    const signal = abortOnClose(res);
    try {
      const report = await computeStats(participation, f.filter, { ...ctx, fromDay: f.fromDay, toDay: f.toDay, filter: f.filter }, signal);
      res.json({ filter: describe(f), generatedAt: new Date().toISOString(), ...report });
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

  const exportRoute = (format: 'xlsx' | 'csv') => async (req: Request, res: Response) => {
    const f = filterOr400(req, res);
    if (!f) return;
    const p = principalOf(res);
    const now = new Date();
    const filter = frozenFilter(f.filter, now);
    const meta: ExportMeta = {
      fromDay: f.fromDay, toDay: f.toDay, organisation: f.organisation, unit: f.unit, channel: f.channel, generatedAt: now, generatedBy: p.name,
    };
    const rows = format === 'xlsx' ? 'summary+events' : f.rows;
    // Logged before the first byte: an export cut short has still left the building in part.
    await staff.logAudit(p.name, 'export', JSON.stringify({ format, rows, filter: describe(f), via: p.via }));

    const name = exportFileName(format === 'csv' && f.rows === 'events' ? 'events' : 'summary', meta, format);
    res.setHeader('Content-Type', format === 'xlsx'
      ? 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' : 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="${name}"`);
    const signal = abortOnClose(res);
    try {
      if (format === 'xlsx') await writeXlsx(res, participation, filter, ctx, meta, signal);
      else if (f.rows === 'events') await writeEventsCsv(res, participation, filter, ctx, signal);
      else {
        const report = await computeStats(participation, filter, { ...ctx, fromDay: f.fromDay, toDay: f.toDay, filter }, signal);
        await writeSummaryCsv(res, report, signal);
      }
    } catch (err) {
      if (err instanceof ExportAborted || signal.aborted) {
        log.info({ format }, 'export aborted by the client');
        return;
      }
      if (res.headersSent) {
        log.error({ err, format }, 'export failed midway');
        res.destroy(err as Error);
        return;
      }
      throw err;
    }
  };
  router.get('/api/admin/export.xlsx', exportRoute('xlsx'));
  router.get('/api/admin/export.csv', exportRoute('csv'));

  router.use('/api/admin', (_req: Request, res: Response, _next: NextFunction) => sendError(res, 404, 'not_found', 'Not found'));

  function filterOr400(req: Request, res: Response): ParsedFilter | undefined {
    try {
      return parseFilter(req.query, directory, principalOf(res));
    } catch (err) {
      if (!(err instanceof FilterError)) throw err;
      res.status(400).json({ error: { code: 'invalid_filter', parameter: err.parameter, message: err.message } });
      return undefined;
    }
  }

  return router;
}

function describe(f: ParsedFilter) {
  return { from: f.fromDay, to: f.toDay, organisation: f.organisation, unit: f.unit, channel: f.channel };
}

/** Aborts long scans when the client goes away. */
function abortOnClose(res: Response): AbortSignal {
  const ac = new AbortController();
  res.on('close', () => { if (!res.writableFinished) ac.abort(); });
  return ac.signal;
}
