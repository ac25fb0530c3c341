import crypto from 'node:crypto';
import express, { type Express } from 'express';
import { pinoHttp } from 'pino-http';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { Channel } from '../channels/kit/types.js';
import type { Metrics } from '../ops/metrics.js';
import { errorHandler, sendError } from './errors.js';
import { safeEqual } from '../admin/passwords.js';

export interface HttpDeps {
  config: Config;
  log: Logger;
  channels: Channel[];
  metrics: Metrics;
  isReady: () => Promise<boolean>;
  publicDir: string;
  extraRouters?: express.Router[];
}

export function createHttpServer(deps: HttpDeps): { app: Express } {
  const app = express();
  app.disable('x-powered-by');
  // Only the configured proxies' X-Forwarded-For is believed (see TrustProxy in config.ts).
  if (deps.config.TRUST_PROXY !== false) app.set('trust proxy', deps.config.TRUST_PROXY);
  // One log line per request; no request logger at all when the level drops them (it costs as much as a SQLite write).
  if (deps.log.isLevelEnabled('info')) app.use(pinoHttp({
    logger: deps.log,
    genReqId: (req, res) => {
      const id = (req.headers['x-request-id'] as string | undefined)?.slice(0, 64) || crypto.randomUUID();
      res.setHeader('x-request-id', id);
      return id;
    },
    // Method, path and status only: bodies carry citizens' messages.
    serializers: {
      req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, path: req.url.split('?')[0] }),
      res: (res: { statusCode: number }) => ({ status: res.statusCode }),
    },
    autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' },
  }));

  app.get('/healthz', (_req, res) => { res.json({ status: 'ok' }); });
  app.get('/readyz', async (_req, res) => {
    if (await deps.isReady()) res.json({ status: 'ready' });
    else res.status(503).json({ status: 'starting' });
  });

  app.get('/metrics', async (req, res) => {
    // Optional: the scrape is then refused without the token (the numbers say how busy the service is).
    const token = deps.config.METRICS_TOKEN;
    const m = /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '');
    if (token && !(m && safeEqual(m[1]!, token))) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
      return sendError(res, 401, 'unauthorized', 'METRICS_TOKEN required');
    }
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });

  for (const c of deps.channels) if (c.router) app.use(c.router);
  for (const r of deps.extraRouters ?? []) app.use(r);
  app.use(express.static(deps.publicDir, { index: 'index.html', maxAge: '1h' }));
  app.use((_req, res) => sendError(res, 404, 'not_found', 'Not found'));
  app.use(errorHandler(deps.log));
  return { app };
}
