import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type NextFunction, type Request, type Response } from 'express';
import { sendError } from '../http/errors.js';
import type { ExportContext } from '../participation/export.js';
import { LoginLimiter, authenticate } from './auth.js';
import { exportRoutes } from './export-routes.js';
import { broadcastRoutes } from './broadcast-routes.js';
import { conversationRoutes } from './conversation-routes.js';
import { knowledgeRoutes } from './knowledge-routes.js';
import { reportRoutes } from './report-routes.js';
import { sessionRoutes } from './session-routes.js';
import type { AdminDeps } from './deps.js';

export type { AdminDeps } from './deps.js';


// The dashboard uses only its own files and API: no inline script, no third-party origin.
const DASHBOARD_CSP = [
  "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data: blob:", "connect-src 'self'",
  "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'", "object-src 'none'",
].join('; ');

/** Staff dashboard (/admin) and its API (/api/admin/*): statistics, unanswered questions, codes, exports. */
export function createAdminRouter(deps: AdminDeps): express.Router {
  const { config, staff, directory } = deps;
  const router = express.Router();
  const limiter = new LoginLimiter(deps.limiter);
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

  sessionRoutes(router, deps, limiter);
  // Everything below needs a valid bearer token or session.
  router.use('/api/admin', authenticate(config, staff, limiter));
  reportRoutes(router, deps, ctx);
  knowledgeRoutes(router, deps);
  exportRoutes(router, deps, ctx);
  broadcastRoutes(router, deps);
  conversationRoutes(router, deps);
  router.use('/api/admin', (_req: Request, res: Response, _next: NextFunction) => sendError(res, 404, 'not_found', 'Not found'));
  return router;
}
