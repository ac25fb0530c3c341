import type { ErrorRequestHandler, Response } from 'express';
import type { Logger } from '../log.js';

export function sendError(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ error: { code, message } });
}

/** Turns body-parser and unexpected errors into JSON 4xx/5xx; never lets one take the process down. */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const e = err as { type?: string; status?: number; message?: string };
    if (res.headersSent) return;
    if (e.type === 'entity.too.large') return sendError(res, 413, 'payload_too_large', 'Request body is too large');
    if (e.type === 'entity.parse.failed') return sendError(res, 400, 'malformed_json', 'Request body is not valid JSON');
    if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported') return sendError(res, 415, 'unsupported_encoding', e.message ?? 'Unsupported encoding');
    if (e.status && e.status >= 400 && e.status < 500) return sendError(res, e.status, 'bad_request', e.message ?? 'Bad request');
    log.error({ err, reqId: req.id }, 'request failed');
    sendError(res, 500, 'internal_error', 'Internal error');
  };
}
