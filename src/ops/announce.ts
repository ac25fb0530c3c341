import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { StaffStore } from '../storage/ports.js';

/** The command that creates the first staff account (shown when there is none): compiled in the production image. */
export const FIRST_ACCOUNT_COMMAND = import.meta.url.endsWith('.js')
  ? 'node dist/cli/admin.js add-user <tên đăng nhập> --role admin'
  : 'npm run admin -- add-user <tên đăng nhập> --role admin';

/**
 * The start line an operator reads: where the web chat and the dashboard are, what runs, and how to get into
 * the dashboard when no staff account exists yet. `listening` and `url` stay as they are: tools wait on them.
 */
export async function announceStart(log: Logger, o: {
  url: string; config: Pick<Config, 'PUBLIC_BASE_URL' | 'ADMIN_TOKEN'>; staff: StaffStore; storage: string; channels: string[];
}): Promise<void> {
  const base = (o.config.PUBLIC_BASE_URL ?? o.url).replace(/\/+$/, '');
  log.info({ url: o.url, webChat: `${base}/`, admin: `${base}/admin`, storage: o.storage, channels: o.channels }, 'listening');
  const accounts = await o.staff.listStaffUsers().catch(() => undefined);
  if (accounts && accounts.length === 0) {
    log.warn({ command: FIRST_ACCOUNT_COMMAND, adminToken: Boolean(o.config.ADMIN_TOKEN) },
      `no staff account yet: create the first one with \`${FIRST_ACCOUNT_COMMAND}\`, then sign in at ${base}/admin`);
  }
}
