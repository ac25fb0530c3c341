/** A failed platform call, classified by the adapter that made it. */
export class SendError extends Error {
  constructor(
    readonly code: string | number,
    readonly retryable: boolean,
    /** The platform's own "try again after N seconds" (scaled by the outbound's unit, which tests shrink). */
    readonly retryAfterSeconds?: number,
    /** The platform says this person cannot be messaged any more (blocked the bot, left, deactivated). */
    readonly gone = false,
    /** The platform's window for this person is closed: not sendable now, fine after their next message. */
    readonly later = false,
  ) {
    super(`send failed: ${code}`);
  }
}

/** An HTTP answer from a platform that was not a success; adapters classify it into a SendError. */
export class PlatformHttpError extends Error {
  constructor(
    readonly status: number,
    readonly data: unknown,
    readonly headers: Record<string, unknown>,
  ) {
    super(`platform answered ${status}`);
  }
}

/** Thrown when a call was abandoned because the channel is stopping. */
export class AbortedError extends Error {
  constructor() {
    super('aborted');
  }
}

export const ABORTED_AT_SHUTDOWN = 'aborted_at_shutdown';

/** The code of a network-level failure (ECONNRESET, TimeoutError, ...). */
export function networkCode(e: unknown): string {
  const x = e as { code?: unknown; name?: unknown };
  if (typeof x?.code === 'string') return x.code;
  if (typeof x?.name === 'string') return x.name;
  return 'network_error';
}

/** A loggable summary of an error without request bodies, URLs or headers (they hold tokens and text). */
export function describe(err: unknown): { name?: string; code?: unknown; message?: string } {
  if (err instanceof SendError) return { name: 'SendError', code: err.code };
  if (err instanceof Error) return { name: err.name, code: (err as { code?: unknown }).code, message: err.message.slice(0, 200) };
  return { message: String(err).slice(0, 200) };
}

/** Retry-After header in seconds: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: unknown): number | undefined {
  if (typeof value !== 'string' || !value.trim()) return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now()) / 1000;
}
