import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { ABORTED_AT_SHUTDOWN, SendError } from '../../../../src/channels/kit/errors.js';
import { Outbound, type OutboundOptions } from '../../../../src/channels/kit/outbound.js';
import { deferred, flush, MemorySettings, silentLog } from '../../../helpers/fakes.js';

// The sender every platform shares. Delays are a few milliseconds; what is checked is what was decided
// (attempts, delays asked for, the failure record), never how long anything took.

function outbound(options: Partial<OutboundOptions> = {}) {
  const settings = new MemorySettings();
  const retries: { attempt: number; delayMs: number; code?: string | number }[] = [];
  const outcomes: { ok: boolean; code?: string | number }[] = [];
  let taskErrors = 0;
  const out = new Outbound('telegram', settings, silentLog, {
    baseDelayMs: 2, maxDelayMs: 8, retryAfterUnitMs: 1, ratePerSecond: 10_000, burst: 10_000, maxAttempts: 4,
    onRetry: (r) => void retries.push(r),
    onOutcome: (o) => void outcomes.push({ ok: o.ok, code: o.error?.code }),
    onTaskError: () => void taskErrors++,
    ...options,
  });
  const failures = async () => JSON.parse((await settings.getSetting('outbound.failures.telegram')) ?? 'null') as
    { count: number; lastMethod: string; lastCode: string; lastAt: string } | null;
  return { out, retries, outcomes, failures, taskErrors: () => taskErrors };
}

/** A platform call failing with the given errors in turn, then answering 'ok'. */
function flaky(...errors: unknown[]) {
  const calls: number[] = [];
  const fn = async () => {
    calls.push(calls.length + 1);
    const e = errors.shift();
    if (e) throw e;
    return 'ok';
  };
  return { fn, calls };
}

describe('Outbound.inOrder', () => {
  it('runs one key\'s tasks one after another and other keys\' beside them; a failed task does not stop its key', async () => {
    const { out, taskErrors } = outbound();
    const log: string[] = [];
    const first = deferred();
    void out.inOrder('u1', async () => {
      log.push('u1 first start');
      await first.promise;
      log.push('u1 first end');
    });
    const second = out.inOrder('u1', async () => void log.push('u1 second'));
    await out.inOrder('u2', async () => void log.push('u2'));
    // u2 ran while u1's first task was still waiting; u1's second had to wait.
    expect(log).toEqual(['u1 first start', 'u2']);
    first.resolve();
    await second;
    expect(log).toEqual(['u1 first start', 'u2', 'u1 first end', 'u1 second']);

    await out.inOrder('u1', async () => {
      throw new Error('bug');
    });
    await out.inOrder('u1', async () => void log.push('u1 after the failure'));
    expect(log.at(-1)).toBe('u1 after the failure');
    expect(taskErrors()).toBe(1);
  });
});

describe('Outbound.call', () => {
  it('retries a retryable failure with backoff and returns the answer', async () => {
    const { out, retries, outcomes } = outbound();
    const p = flaky(new SendError(500, true), new SendError(502, true));
    expect(await out.call('sendMessage', p.fn)).toBe('ok');
    expect(p.calls).toEqual([1, 2, 3]);
    expect(retries.map((r) => [r.attempt, r.code])).toEqual([[1, 500], [2, 502]]);
    // Jittered exponential backoff: 50–100 % of 2 ms, then of 4 ms.
    expect(retries[0]!.delayMs).toBeGreaterThanOrEqual(1);
    expect(retries[0]!.delayMs).toBeLessThanOrEqual(2);
    expect(retries[1]!.delayMs).toBeGreaterThanOrEqual(2);
    expect(retries[1]!.delayMs).toBeLessThanOrEqual(4);
    expect(outcomes).toEqual([{ ok: true, code: undefined }]);
  });

  it('waits what the platform asked for, in retryAfterUnitMs per second', async () => {
    const { out, retries } = outbound({ retryAfterUnitMs: 3 });
    const p = flaky(new SendError(429, true, 4), new SendError(429, true, 0));
    expect(await out.call('sendMessage', p.fn)).toBe('ok');
    expect(retries.map((r) => r.delayMs)).toEqual([12, 0]);
  });

  it('gives up at once when the platform asks for a wait longer than maxRetryAfterMs', async () => {
    const { out, retries, failures } = outbound({ retryAfterUnitMs: 1000, maxRetryAfterMs: 120_000 });
    const p = flaky(new SendError(429, true, 3600));
    await expect(out.call('sendMessage', p.fn)).rejects.toMatchObject({ code: 429 });
    expect(p.calls).toEqual([1]);
    expect(retries).toEqual([]);
    expect(await failures()).toMatchObject({ count: 1, lastCode: '429' });
  });

  it('gives up after maxAttempts, rethrows, and records the failure for operators', async () => {
    const { out, outcomes, failures } = outbound();
    const p = flaky(...Array.from({ length: 10 }, () => new SendError(503, true)));
    await expect(out.call('sendMessage', p.fn)).rejects.toMatchObject({ code: 503, retryable: true });
    expect(p.calls).toEqual([1, 2, 3, 4]);
    expect(outcomes).toEqual([{ ok: false, code: 503 }]);
    const first = await failures();
    expect(first).toMatchObject({ count: 1, lastMethod: 'sendMessage', lastCode: '503' });
    expect(Number.isNaN(Date.parse(first!.lastAt))).toBe(false);

    await expect(out.call('answerCallbackQuery', flaky(new SendError(403, false, undefined, true)).fn)).rejects.toMatchObject({ gone: true });
    expect(await failures()).toMatchObject({ count: 2, lastMethod: 'answerCallbackQuery', lastCode: '403' });
  });

  it('stops at once on a failure that is not retryable', async () => {
    const { out, retries } = outbound();
    const p = flaky(new SendError(400, false));
    await expect(out.call('sendMessage', p.fn)).rejects.toMatchObject({ code: 400 });
    expect(p.calls).toEqual([1]);
    expect(retries).toEqual([]);
  });

  it('treats anything but a SendError as a network failure, retried', async () => {
    const { out, retries } = outbound();
    const p = flaky(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'weird');
    expect(await out.call('sendMessage', p.fn)).toBe('ok');
    expect(retries.map((r) => r.code)).toEqual(['ECONNRESET', 'network_error']);
  });

  it('cuts a call that outlives timeoutMs and tries it again', async () => {
    const { out, retries } = outbound({ timeoutMs: 20 });
    let n = 0;
    const result = await out.call('sendMessage', (signal) => new Promise<string>((resolve, reject) => {
      if (++n > 1) return resolve('second try');
      signal.addEventListener('abort', () => reject(signal.reason as Error));
    }));
    expect(result).toBe('second try');
    expect(retries.map((r) => r.code)).toEqual(['TimeoutError']);
  });

  // The bug this guards against: with AbortSignal.any([AbortSignal.timeout(ms), ...]) a garbage collection while
  // the call hung dropped the timeout (Node 20), and the call never ended. A few seconds' cap makes that a failure.
  it('still cuts a hanging call after a garbage collection', { timeout: 5000 }, async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const { out, retries } = outbound({ timeoutMs: 50 });
    let n = 0;
    const result = out.call('sendMessage', (signal) => new Promise<string>((resolve, reject) => {
      if (++n > 1) return resolve('second try');
      signal.addEventListener('abort', () => reject(signal.reason as Error));
    }));
    await flush();
    gc();
    expect(await result).toBe('second try');
    expect(retries.map((r) => r.code)).toEqual(['TimeoutError']);
  });

  it('a drain past its timeout abandons a pending retry as aborted_at_shutdown; later calls are aborted', async () => {
    const { out, failures } = outbound({ retryAfterUnitMs: 1000, maxRetryAfterMs: 600_000, drainTimeoutMs: 20 });
    let thrown: unknown;
    void out.inOrder('u1', async () => {
      await out.call('sendMessage', flaky(new SendError(429, true, 300)).fn).catch((e: unknown) => {
        thrown = e;
      });
    });
    await flush();
    await out.drain();
    expect(thrown).toMatchObject({ code: ABORTED_AT_SHUTDOWN, retryable: false });
    expect(out.stopping).toBe(true);
    expect(await failures()).toMatchObject({ lastCode: ABORTED_AT_SHUTDOWN });
    // A platform client given an aborted signal fails at once (as fetch and axios do); that is not retried.
    const seen: boolean[] = [];
    await expect(out.call('sendMessage', async (signal) => {
      seen.push(signal.aborted);
      signal.throwIfAborted();
    })).rejects.toMatchObject({ code: ABORTED_AT_SHUTDOWN });
    expect(seen).toEqual([true]);
  });
});
