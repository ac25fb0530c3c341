import { describe, expect, it } from 'vitest';
import { deadline } from '../../../../src/channels/kit/deadline.js';

describe('deadline', () => {
  it('aborts with a TimeoutError after its time', async () => {
    const d = deadline(5);
    const reason = await new Promise<unknown>((resolve) => d.signal.addEventListener('abort', () => resolve(d.signal.reason)));
    expect(reason).toMatchObject({ name: 'TimeoutError' });
  });

  it('aborts with the parent, at once when the parent already was; clear() stops both', async () => {
    const parent = new AbortController();
    const d = deadline(60_000, parent.signal);
    parent.abort(new Error('stopping'));
    expect(d.signal.aborted).toBe(true);
    expect((d.signal.reason as Error).message).toBe('stopping');
    d.clear();
    expect(deadline(60_000, parent.signal).signal.aborted).toBe(true);

    const other = new AbortController();
    const cleared = deadline(1, other.signal);
    cleared.clear();
    other.abort();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(cleared.signal.aborted).toBe(false);
  });
});
