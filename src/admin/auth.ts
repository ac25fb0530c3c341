import crypto from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Config } from '../config.js';
import type { StaffStore } from '../storage/ports.js';
import { sendError } from '../http/errors.js';
import type { RateLimiter } from '../scale/rate-limit.js';
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
 * Limits password and token guesses per address and per address+username. Every attempt is counted before
 * it is checked (a pending scrypt counts), so simultaneous guesses cannot overtake the limit, and a right
 * password is refused too while the limit holds. A right answer takes its own count back. Shared through
 * Redis with REDIS_URL; never an account-wide lock, which would let anyone lock a colleague out.
 */
export class LoginLimiter {
  constructor(private limiter: RateLimiter, private o = { perUser: 5, perIp: 20, windowMs: 15 * 60 * 1000 }) {}

  /** Counts one attempt; seconds to wait when a limit is reached (the attempt is then not to be checked), else 0. */
  async attempt(ip: string, username?: string): Promise<number> {
    const ipWait = await this.limiter.hit(this.ipKey(ip), this.o.perIp, this.o.windowMs);
    if (ipWait) return Math.ceil(ipWait / 1000);
    if (username === undefined) return 0;
    return Math.ceil((await this.limiter.hit(this.userKey(ip, username), this.o.perUser, this.o.windowMs)) / 1000);
  }

  /** The attempt was right: it is not a failure, and earlier failures for this username are forgotten. */
  async succeeded(ip: string, username?: string): Promise<void> {
    await this.limiter.release(this.ipKey(ip));
    if (username !== undefined) await this.limiter.reset(this.userKey(ip, username));
  }

  private ipKey(ip: string): string {
    return `login:ip:${ip}`;
  }

  private userKey(ip: string, username: string): string {
    return `login:user:${ip}:${username.toLowerCase()}`;
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
export function authenticate(config: Config, staff: StaffStore, limiter: LoginLimiter): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const ip = clientIp(req);
    const auth = req.headers.authorization;
    if (auth !== undefined) {
      // Counted before the comparison: otherwise a locked-out guesser would still learn when a guess is right.
      const wait = await limiter.attempt(ip);
      if (wait) return tooMany(res, wait);
      const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
      if (m && config.ADMIN_TOKEN && safeEqual(m[1]!, config.ADMIN_TOKEN)) {
        await limiter.succeeded(ip);
        res.locals.principal = { name: 'admin-token', role: 'admin', via: 'token' } satisfies Principal;
        return next();
      }
      // Wrong tokens count against the address like wrong passwords do.
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
