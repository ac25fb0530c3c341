/**
 * A signal that aborts after `ms` (reason: a TimeoutError) or when `parent` aborts (its reason); `clear()` once
 * the work is over. Not `AbortSignal.any([AbortSignal.timeout(ms), parent])`: on Node 20 a garbage collection
 * while the work is pending drops that timeout, so a call hanging on a silent connection would never end.
 * Here the timer itself holds the controller.
 */
export function deadline(ms: number, parent?: AbortSignal): { signal: AbortSignal; clear(): void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException(`timed out after ${ms} ms`, 'TimeoutError')), ms);
  const onAbort = () => controller.abort(parent!.reason);
  if (parent?.aborted) onAbort();
  else parent?.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    clear() {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onAbort);
    },
  };
}
