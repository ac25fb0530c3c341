import { describe, expect, it } from 'vitest';
import { ButtonMemory } from '../../../../src/channels/kit/button-memory.js';

// What render.test.ts does not cover already: the bounds, and numbers and query texts together.

const list = (...payloads: string[]) => payloads.map((p) => ({ title: `T ${p}`, payload: p }));

describe('ButtonMemory', () => {
  it('forgets the user offered something longest ago once over its bound; offering again makes a user recent', () => {
    const mem = new ButtonMemory(2);
    mem.offer('u', { numbered: list('PU') });
    mem.offer('v', { numbered: list('PV') });
    mem.offer('u', { numbered: list('PU2') }); // u is now the most recent
    mem.offer('w', { numbered: list('PW') });
    expect(mem.resolve('v', '1')).toBeUndefined();
    expect(mem.resolve('u', '1')).toBe('PU2');
    expect(mem.resolve('w', '1')).toBe('PW');
  });

  it('keeps a user\'s latest query texts only, up to its bound; a text offered again counts as new', () => {
    const mem = new ButtonMemory(10, 3);
    mem.offer('u', { queries: [['Có', 'P1'], ['Không', 'P2'], ['Menu', 'P3']] });
    mem.offer('u', { queries: [['Có', 'P1b']] });
    mem.offer('u', { queries: [['Hướng dẫn', 'P4']] });
    expect(mem.resolve('u', 'Không')).toBeUndefined();
    expect(mem.resolve('u', 'Có')).toBe('P1b');
    expect(mem.resolve('u', ' Menu ')).toBe('P3');
    expect(mem.resolve('u', 'Hướng dẫn')).toBe('P4');
  });

  it('reads a typed number from the latest list, else the text as a query; nothing for other text', () => {
    const mem = new ButtonMemory();
    mem.offer('u', { numbered: list('A', 'B'), queries: [['3', 'Q3']] });
    expect(mem.resolve('u', 'số 2')).toBe('B');
    expect(mem.resolve('u', '2.')).toBe('B');
    // Not on the list: the exact text may still be a button's query.
    expect(mem.resolve('u', '3')).toBe('Q3');
    expect(mem.resolve('u', '4')).toBeUndefined();
    expect(mem.resolve('u', 'mật khẩu')).toBeUndefined();
    expect(mem.resolve('u', undefined)).toBeUndefined();
    // Query texts outlive a later reply without buttons; numbers do not.
    mem.offer('u', {});
    expect(mem.resolve('u', '1')).toBeUndefined();
    expect(mem.resolve('u', '3')).toBe('Q3');
  });
});
