import express from 'express';
import { z } from 'zod';
import { sendError } from '../http/errors.js';
import { clientIp, newSessionToken, readCookie, SESSION_COOKIE, sessionCookie, sessionKey, tooMany, type LoginLimiter } from './auth.js';
import type { AdminDeps } from './deps.js';
import { DISABLED_HASH, dummyHash, verifyPassword } from './passwords.js';

const loginBody = z.object({
  username: z.string().trim().min(1).max(64),
  password: z.string().min(1).max(256),
});

/** Staff login and logout: the only admin routes open without credentials. */
export function sessionRoutes(router: express.Router, deps: Pick<AdminDeps, 'config' | 'staff'>, limiter: LoginLimiter): void {
  const { config, staff } = deps;
  router.post('/api/admin/login', express.json({ limit: '4kb' }), async (req, res) => {
    // JSON only: a cross-site HTML form cannot send it, which closes login CSRF on top of SameSite.
    if (!req.is('application/json')) return sendError(res, 415, 'unsupported_media_type', 'Cần gửi dữ liệu dạng JSON.');
    const body = loginBody.safeParse(req.body);
    if (!body.success) return sendError(res, 400, 'invalid_request', 'Cần nhập tên đăng nhập và mật khẩu.');
    const username = body.data.username.toLowerCase();
    const ip = clientIp(req);
    // Counted now, before the ~100 ms check: simultaneous guesses each take a place within the limit or are refused.
    const wait = await limiter.attempt(ip, username);
    if (wait) return tooMany(res, wait);

    const user = await staff.getStaffUser(username);
    const usable = user && user.passwordHash !== DISABLED_HASH && (user.role === 'admin' || !!user.organisation);
    const ok = await verifyPassword(body.data.password, usable ? user.passwordHash : await dummyHash());
    if (!usable || !ok) {
      // Only existing accounts are named: a mistyped username may be someone's password.
      await staff.logAudit(user ? user.username : '(không rõ)', 'login_failed', JSON.stringify({ ip }));
      return sendError(res, 401, 'invalid_credentials', 'Tên đăng nhập hoặc mật khẩu không đúng.');
    }
    await limiter.succeeded(ip, username);
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

}
