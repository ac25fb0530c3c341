import crypto from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Config } from '../config.js';
import type { StaffStore } from '../storage/ports.js';
import { sendError } from '../http/errors.js';
import { DISABLED_HASH, safeEqual } from './passwords.js';

export const SESSION_COOKIE = 'bdhvs_admin';
/** The cookie is only ever sent to the admin API; the static dashboard files need no credentials. */
export const COOKIE_PATH = '/api/admin';

/** Who is calling the admin API. Viewers are bound to one organisation. */
export interface Principal {
  name: string;
  role: 'admin' | 'viewer';
  organisation?: string;
  via: 'token' | 'session';
}

export function principalOf(res: Response): Principal {
  return res.locals.principal as Principal;
}

/**
 * Sessions are stored under a hash of the cookie value, so that a copy of the database does not
 * hand out live sessions.
 */
export function sessionKey(token: string): string {
  return crypto.createHash('sha256').update(token).digest('base64url');
}

export function newSessionToken(): string {
  return crypto.randomBytes(32).toString('base64url');
}

export function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) {
      const v = part.slice(i + 1).trim();
      try { return decodeURIComponent(v); } catch { return undefined; }
    }
  }
  return undefined;
}

export function sessionCookie(req: Request, value: string, maxAgeSeconds: number): string {
  // Secure only when the request came over HTTPS (directly or via a trusted proxy): a Secure
  // cookie set over plain HTTP on a LAN trial would simply never come back.
  return [`${SESSION_COOKIE}=${value}`, `Path=${COOKIE_PATH}`, 'HttpOnly', 'SameSite=Strict', `Max-Age=${maxAgeSeconds}`,
    ...(req.secure ? ['Secure'] : [])].join('; ');
}

/**
 * Counts failed logins per IP and per IP+username in a sliding window. In memory on purpose: it
 * only has to slow down guessing against one instance; it is not an account lock (which would let
 * anyone lock a colleague out).
 */
export class FailureLimiter {
  private hits = new Map<string, number[]>();

  constructor(private perUser = 5, private perIp = 20, private windowMs = 15 * 60 * 1000, private maxKeys = 10000) {}

  /** Seconds to wait before trying again, or 0 when allowed. */
  retryAfter(ip: string, username?: string, now = Date.now()): number {
    const wait = (key: string, limit: number) => {
      const list = this.recent(key, now);
      return list.length >= limit ? Math.ceil((list[0]! + this.windowMs - now) / 1000) : 0;
    };
    return Math.max(wait(`ip:${ip}`, this.perIp), username === undefined ? 0 : wait(`u:${ip}:${username.toLowerCase()}`, this.perUser));
  }

  fail(ip: string, username?: string, now = Date.now()): void {
    if (this.hits.size > this.maxKeys) this.prune(now);
    for (const key of [`ip:${ip}`, ...(username === undefined ? [] : [`u:${ip}:${username.toLowerCase()}`])]) {
      const list = this.recent(key, now);
      list.push(now);
      this.hits.set(key, list);
    }
  }

  succeed(ip: string, username: string): void {
    this.hits.delete(`u:${ip}:${username.toLowerCase()}`);
  }

  private recent(key: string, now: number): number[] {
    return (this.hits.get(key) ?? []).filter((t) => t > now - this.windowMs);
  }

  private prune(now: number): void {
    for (const [k, v] of this.hits) if (!v.some((t) => t > now - this.windowMs)) this.hits.delete(k);
    // Still full (a flood of addresses): forget the oldest half rather than grow without bound.
    if (this.hits.size > this.maxKeys) [...this.hits.keys()].slice(0, this.hits.size / 2).forEach((k) => this.hits.delete(k));
  }
}

export function tooMany(res: Response, seconds: number): void {
  res.setHeader('Retry-After', String(seconds));
  sendError(res, 429, 'too_many_attempts', `Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau ${Math.ceil(seconds / 60)} phút.`);
}

export function clientIp(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}

/** Resolves the caller from the bearer token or the session cookie; 401 JSON otherwise. */
export function authenticate(config: Config, staff: StaffStore, limiter: FailureLimiter): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const ip = clientIp(req);
    const auth = req.headers.authorization;
    if (auth !== undefined) {
      // Checked before the comparison: otherwise a locked-out guesser would still learn when a guess is right.
      const wait = limiter.retryAfter(ip);
      if (wait) return tooMany(res, wait);
      const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
      if (m && config.ADMIN_TOKEN && safeEqual(m[1]!, config.ADMIN_TOKEN)) {
        res.locals.principal = { name: 'admin-token', role: 'admin', via: 'token' } satisfies Principal;
        return next();
      }
      // Wrong tokens count against the address like wrong passwords do.
      limiter.fail(ip);
      return unauthorized(res, 'invalid_token', 'Mã quản trị không đúng.');
    }
    const token = readCookie(req, SESSION_COOKIE);
    if (token) {
      const key = sessionKey(token);
      const session = await staff.getStaffSession(key);
      if (session && session.expiresAt.getTime() > Date.now()) {
        const user = await staff.getStaffUser(session.username);
        // Role and organisation are read afresh on every request, so a change applies at once.
        if (user && user.passwordHash !== DISABLED_HASH && (user.role === 'admin' || user.organisation)) {
          res.locals.principal = {
            name: user.username, role: user.role, organisation: user.organisation ?? undefined, via: 'session',
          } satisfies Principal;
          return next();
        }
      }
      if (session) await staff.deleteStaffSession(key);
      res.setHeader('Set-Cookie', sessionCookie(req, '', 0));
      return unauthorized(res, 'session_expired', 'Phiên đăng nhập đã hết hạn. Vui lòng đăng nhập lại.');
    }
    unauthorized(res);
  };
}

export function unauthorized(res: Response, code = 'unauthorized', message = 'Cần đăng nhập để xem trang quản trị.'): void {
  res.setHeader('WWW-Authenticate', 'Bearer realm="admin"');
  sendError(res, 401, code, message);
}

export function requireAdmin(req: Request, res: Response, next: NextFunction): void {
  if (principalOf(res).role === 'admin') return next();
  sendError(res, 403, 'forbidden', 'Tài khoản của bạn không có quyền xem mục này.');
}
