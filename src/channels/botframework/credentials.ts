import axios from 'axios';
import type { ServiceClientCredentials, ServiceClientCredentialsFactory } from 'botframework-connector';

/**
 * The bot's outbound token for the Bot Connector: the OAuth 2.0 client-credentials grant against
 * `<login url>/<tenant>/oauth2/v2.0/token`, as the Bot Framework REST documentation describes it.
 *
 * botbuilder's own password credentials go through MSAL, which insists on an https authority on a
 * Microsoft host and cannot be pointed at a local fake; this small factory does the same request with
 * a configurable login URL, so the path that runs in production is the one the tests exercise.
 */

type WebResource = Parameters<ServiceClientCredentials['signRequest']>[0];

/** A refused or failed token request; carries the HTTP status and the OAuth error code only (never bodies). */
export class TokenRequestError extends Error {
  constructor(readonly status: number | string, readonly oauthError?: string) {
    super(`token request failed: ${status}${oauthError ? ` ${oauthError}` : ''}`);
    this.name = 'TokenRequestError';
  }
}

/** One cached token per (token URL, scope), refreshed 5 minutes before expiry, one request at a time. */
class TokenSource {
  private cached?: { token: string; refreshAt: number };
  private inflight?: Promise<string>;

  constructor(private readonly o: { tokenUrl: string; clientId: string; clientSecret: string; scope: string; timeoutMs: number }) {}

  get(): Promise<string> {
    if (this.cached && Date.now() < this.cached.refreshAt) return Promise.resolve(this.cached.token);
    this.inflight ??= this.fetch().finally(() => { this.inflight = undefined; });
    return this.inflight;
  }

  private async fetch(): Promise<string> {
    const body = new URLSearchParams({
      grant_type: 'client_credentials', client_id: this.o.clientId, client_secret: this.o.clientSecret, scope: this.o.scope,
    });
    const res = await axios.post(this.o.tokenUrl, body.toString(), {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      timeout: this.o.timeoutMs,
      validateStatus: () => true,
    }).catch((e: unknown) => {
      throw new TokenRequestError((e as { code?: string })?.code ?? 'network_error');
    });
    const data = res.data as { access_token?: unknown; expires_in?: unknown; error?: unknown } | undefined;
    if (res.status !== 200 || typeof data?.access_token !== 'string' || !data.access_token) {
      throw new TokenRequestError(res.status, typeof data?.error === 'string' ? data.error.slice(0, 64) : undefined);
    }
    const expiresInSec = Number(data.expires_in) > 0 ? Number(data.expires_in) : 3600;
    this.cached = { token: data.access_token, refreshAt: Date.now() + Math.max(60, expiresInSec - 300) * 1000 };
    return data.access_token;
  }
}

/** Credentials for one app id and secret; `loginEndpoint` (from botbuilder) is `<login url>/<tenant>`. */
export class ClientSecretCredentialsFactory implements ServiceClientCredentialsFactory {
  private sources = new Map<string, TokenSource>();

  constructor(private readonly appId: string, private readonly secret: string, private readonly timeoutMs = 10_000) {}

  async isValidAppId(appId: string): Promise<boolean> {
    return appId === this.appId;
  }

  /** Never: the channel is off without credentials, so an anonymous request is never accepted. */
  async isAuthenticationDisabled(): Promise<boolean> {
    return false;
  }

  async createCredentials(appId: string, audience: string | undefined, loginEndpoint: string): Promise<ServiceClientCredentials> {
    if (appId !== this.appId) throw new Error('Invalid appId.');
    const scope = `${(audience ?? 'https://api.botframework.com').replace(/\/+$/, '')}/.default`;
    const tokenUrl = `${loginEndpoint.replace(/\/+$/, '')}/oauth2/v2.0/token`;
    const key = `${tokenUrl} ${scope}`;
    let source = this.sources.get(key);
    if (!source) {
      source = new TokenSource({ tokenUrl, clientId: this.appId, clientSecret: this.secret, scope, timeoutMs: this.timeoutMs });
      this.sources.set(key, source);
    }
    const tokens = source;
    return {
      async signRequest(webResource: WebResource): Promise<WebResource> {
        webResource.headers.set('authorization', `Bearer ${await tokens.get()}`);
        return webResource;
      },
    };
  }
}
