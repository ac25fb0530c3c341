import { ImageTooLarge } from '../../core/images.js';
import { PlatformHttpError, SendError } from './errors.js';

/** The code adapters throw (as a SendError, not retried) when an image is over the size the bot accepts. */
export const IMAGE_TOO_LARGE = 'image_too_large';

/**
 * Downloads an image a platform points to (Telegram's file URL, a Messenger or Zalo attachment URL), refusing
 * early when it says it is larger than `maxBytes` and stopping as soon as more than that has arrived. The bytes
 * stay in memory for the reader and are never written anywhere.
 */
export async function downloadImage(url: string, maxBytes: number, signal: AbortSignal): Promise<Uint8Array> {
  if (!/^https?:\/\//i.test(url)) throw new SendError('image_url_invalid', false);
  const res = await fetch(url, { signal, redirect: 'follow' });
  if (!res.ok) {
    await res.body?.cancel().catch(() => undefined);
    throw new PlatformHttpError(res.status, undefined, Object.fromEntries(res.headers));
  }
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) {
    await res.body?.cancel().catch(() => undefined);
    throw new SendError(IMAGE_TOO_LARGE, false);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body ?? []) {
    size += (chunk as Uint8Array).length;
    if (size > maxBytes) throw new SendError(IMAGE_TOO_LARGE, false);
    chunks.push(chunk as Uint8Array);
  }
  return Buffer.concat(chunks);
}

/** A platform call's failure as the engine's image loader reports it: "too large" keeps its meaning. */
export function imageError(e: unknown): unknown {
  return e instanceof SendError && e.code === IMAGE_TOO_LARGE ? new ImageTooLarge() : e;
}

/** Rejects as soon as `signal` aborts, even if `work` (a retried platform call) is still waiting. */
export function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
