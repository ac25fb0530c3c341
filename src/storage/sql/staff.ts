import type { StaffStore } from '../ports.js';
import type { StaffSession, StaffUser } from '../types.js';
import { num, type SqlDriver } from './driver.js';

interface UserRow { username: string; password_hash: string; role: string; organisation: string | null }
const userFromRow = (r: UserRow): StaffUser => ({ username: r.username, passwordHash: r.password_hash, role: r.role as StaffUser['role'], organisation: r.organisation });

export class SqlStaff implements StaffStore {
  constructor(private db: SqlDriver) {}

  async getStaffUser(username: string): Promise<StaffUser | undefined> {
    const [r] = await this.db.query<UserRow>('SELECT * FROM staff_users WHERE username = ?', [username]);
    return r && userFromRow(r);
  }

  async saveStaffUser(u: StaffUser): Promise<void> {
    await this.db.run(`INSERT INTO staff_users (username, password_hash, role, organisation) VALUES (?, ?, ?, ?)
      ON CONFLICT (username) DO UPDATE SET password_hash = excluded.password_hash, role = excluded.role, organisation = excluded.organisation`,
    [u.username, u.passwordHash, u.role, u.organisation ?? null]);
  }

  async listStaffUsers(): Promise<StaffUser[]> {
    return (await this.db.query<UserRow>('SELECT * FROM staff_users ORDER BY username')).map(userFromRow);
  }

  async createStaffSession(s: StaffSession): Promise<void> {
    await this.db.batch([
      ['DELETE FROM staff_sessions WHERE expires_at < ?', [Date.now()]],
      ['INSERT INTO staff_sessions (token, username, expires_at) VALUES (?, ?, ?)', [s.token, s.username, s.expiresAt.getTime()]],
    ]);
  }

  async getStaffSession(token: string): Promise<StaffSession | undefined> {
    const [r] = await this.db.query<{ token: string; username: string; expires_at: unknown }>('SELECT * FROM staff_sessions WHERE token = ?', [token]);
    return r && { token: r.token, username: r.username, expiresAt: new Date(num(r.expires_at)) };
  }

  async deleteStaffSession(token: string): Promise<void> {
    await this.db.run('DELETE FROM staff_sessions WHERE token = ?', [token]);
  }

  async deleteStaffSessionsOf(username: string): Promise<number> {
    return this.db.run('DELETE FROM staff_sessions WHERE username = ?', [username]);
  }

  async logAudit(actor: string, action: string, detail: string): Promise<void> {
    await this.db.run('INSERT INTO audit_log (at, actor, action, detail) VALUES (?, ?, ?, ?)', [Date.now(), actor, action, detail]);
  }

  async listAudit(limit: number) {
    const rows = await this.db.query<{ at: unknown; actor: string; action: string; detail: string }>('SELECT * FROM audit_log ORDER BY id DESC LIMIT ?', [limit]);
    return rows.map((r) => ({ at: new Date(num(r.at)), actor: r.actor, action: r.action, detail: r.detail }));
  }
}
