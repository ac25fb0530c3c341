import crypto from 'node:crypto';
import type { AxiosInstance } from 'axios';
import type { Logger } from '../../log.js';
import type { SettingsStore } from '../../storage/ports.js';
import { parseRetryAfter, SendError } from '../kit/errors.js';

export const ZALO_TOKENS_KEY = 'zalo.tokens';

interface StoredTokens {
  accessToken: string;
  refreshToken?: string;
  /** Epoch ms; for env-seeded tokens a conservative guess (24 h after seeding). */
  expiresAt?: number;
  /** Fingerprint of the env tokens this record was seeded from: new env tokens replace a stale chain. */
  seed?: string;
  updatedAt: number;
}

type Call = <T>(method: string, fn: (signal: AbortSignal) => Promise<T>) => Promise<T>;

/**
 * The OA token pair, kept in storage. The refresh token is single-use, so each new pair is stored
 * (compare-and-set) before its access token is used, and only one refresh runs at a time.
 */
export class ZaloTokens {
  private refreshing?: Promise<string>;
  /** The channel's rate-limited, retried call; set when the channel starts. */
  call?: Call;

  constructor(
    private deps: { settings: SettingsStore; log: Logger; http: AxiosInstance },
    private cfg: { appId: string; appSecret?: string; oauthUrl: string; envAccess?: string; envRefresh?: string },
  ) {}

  private async read(): Promise<{ raw?: string; tokens?: StoredTokens }> {
    const raw = await this.deps.settings.getSetting(ZALO_TOKENS_KEY);
    if (!raw) return {};
    try {
      const t = JSON.parse(raw) as StoredTokens;
      return typeof t.accessToken === 'string' ? { raw, tokens: t } : { raw };
    } catch {
      return { raw };
    }
  }

  /** Seeds storage from the environment when it holds no pair, or when the operator put new tokens in the environment. */
  async init(): Promise<void> {
    const { envAccess, envRefresh } = this.cfg;
    if (!envAccess) return;
    const seed = crypto.createHash('sha256').update(`${envAccess}\n${envRefresh ?? ''}`).digest('hex').slice(0, 16);
    const { raw, tokens } = await this.read();
    if (tokens && tokens.seed === seed) return;
    const next: StoredTokens = { accessToken: envAccess, refreshToken: envRefresh, expiresAt: Date.now() + 24 * 3600_000, seed, updatedAt: Date.now() };
    if (await this.deps.settings.compareAndSetSetting(ZALO_TOKENS_KEY, raw, JSON.stringify(next))) {
      this.deps.log.info({ channel: 'zalo', replaced: Boolean(tokens) }, 'zalo tokens taken from the environment');
    }
  }

  async accessToken(): Promise<string | undefined> {
    return (await this.read()).tokens?.accessToken;
  }

  async expiresAt(): Promise<number | undefined> {
    return (await this.read()).tokens?.expiresAt;
  }

  canRefresh(): boolean {
    return Boolean(this.cfg.appSecret);
  }

  /** Refreshes once for everyone waiting; `rejected` skips the call if another caller already replaced that token. */
  refresh(rejected?: string): Promise<string> {
    this.refreshing ??= this.doRefresh(rejected).finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  async idle(): Promise<void> {
    await this.refreshing?.catch(() => undefined);
  }

  private async doRefresh(rejected?: string): Promise<string> {
    const { settings, log } = this.deps;
    const { raw, tokens } = await this.read();
    if (tokens && rejected && tokens.accessToken !== rejected) return tokens.accessToken;
    if (!tokens?.refreshToken || !this.cfg.appSecret) throw new SendError('zalo_refresh_not_configured', false);
    const data = await this.callRefresh(tokens.refreshToken).catch(async (err: unknown) => {
      // Another instance sharing this database may have used the same refresh token first.
      const again = await this.read();
      if (again.tokens && again.tokens.accessToken !== tokens.accessToken) return undefined;
      throw err;
    });
    if (!data) return (await this.read()).tokens!.accessToken;
    const next: StoredTokens = {
      accessToken: data.access, refreshToken: data.refresh, seed: tokens.seed,
      expiresAt: Date.now() + (Number.isFinite(data.expiresIn) && data.expiresIn > 0 ? data.expiresIn : 90_000) * 1000,
      updatedAt: Date.now(),
    };
    // The old refresh token is now dead: the new pair must be stored before anything uses it.
    if (!(await settings.compareAndSetSetting(ZALO_TOKENS_KEY, raw, JSON.stringify(next)))) {
      log.error({ channel: 'zalo' }, 'zalo tokens changed during refresh; keeping the stored pair');
      const again = await this.read();
      if (!again.tokens) throw new SendError('zalo_tokens_lost', false);
      return again.tokens.accessToken;
    }
    log.info({ channel: 'zalo', expiresAt: new Date(next.expiresAt!).toISOString() }, 'zalo access token refreshed');
    return next.accessToken;
  }

  private callRefresh(refreshToken: string): Promise<{ access: string; refresh: string; expiresIn: number }> {
    if (!this.call) throw new SendError('zalo_not_started', false);
    return this.call('oauth/access_token', async (signal) => {
      const res = await this.deps.http.post(`${this.cfg.oauthUrl}/v4/oa/access_token`,
        new URLSearchParams({ refresh_token: refreshToken, app_id: this.cfg.appId, grant_type: 'refresh_token' }).toString(),
        { headers: { secret_key: this.cfg.appSecret!, 'content-type': 'application/x-www-form-urlencoded' }, signal });
      if (res.status === 429 || res.status >= 500) throw new SendError(res.status, true, parseRetryAfter(res.headers['retry-after']));
      const d = res.data as { access_token?: unknown; refresh_token?: unknown; expires_in?: unknown; error?: unknown } | undefined;
      if (res.status >= 400 || typeof d?.access_token !== 'string' || typeof d.refresh_token !== 'string') {
        throw new SendError(`oauth:${typeof d?.error === 'number' ? d.error : res.status}`, false);
      }
      return { access: d.access_token, refresh: d.refresh_token, expiresIn: Number(d.expires_in) };
    });
  }
}
