import { describe, expect, it } from 'vitest';
import { payloadCodec } from '../../../src/core/payload.js';

const codec = payloadCodec('QZ', { start: ['quizId'], resume: [], a: ['attempt', 'position', 'option'] });

describe('payloadCodec', () => {
  it('encodes verbs and named arguments, and decodes them back', () => {
    expect(codec.encode('start', { quizId: 'vneid' })).toBe('QZ:start:vneid');
    expect(codec.encode('resume', {})).toBe('QZ:resume');
    const answer = codec.encode('a', { attempt: '9f3c', position: '2', option: '0' });
    expect(answer).toBe('QZ:a:9f3c:2:0');
    expect(codec.decode(answer)).toEqual({ verb: 'a', args: { attempt: '9f3c', position: '2', option: '0' } });
    expect(codec.decode('QZ:resume')).toEqual({ verb: 'resume', args: {} });
  });

  it('decodes nothing from another prefix, an unknown verb or a wrong number of arguments', () => {
    expect(codec.decode('REG:start:vneid')).toBeUndefined();
    expect(codec.decode('qz:start:vneid')).toBeUndefined();
    expect(codec.decode('QZ:stop:vneid')).toBeUndefined();
    expect(codec.decode('QZ:toString:x')).toBeUndefined();
    expect(codec.decode('QZ:start')).toBeUndefined();
    expect(codec.decode('QZ:start:vneid:extra')).toBeUndefined();
    expect(codec.decode('QZ:resume:1')).toBeUndefined();
    expect(codec.decode('QZ:a:9f3c:2')).toBeUndefined();
    expect(codec.decode('QZ')).toBeUndefined();
    expect(codec.decode('')).toBeUndefined();
  });

  it('decodes nothing with an empty argument', () => {
    expect(codec.decode('QZ:start:')).toBeUndefined();
    expect(codec.decode('QZ:a:9f3c::0')).toBeUndefined();
  });

  it('refuses to encode an argument that holds ":" or is empty', () => {
    expect(() => codec.encode('start', { quizId: 'a:b' })).toThrow(/QZ:start/);
    expect(() => codec.encode('start', { quizId: '' })).toThrow();
    expect(() => codec.encode('a', { attempt: 'x', position: '1' } as never)).toThrow();
  });

  it('keeps codecs with different prefixes apart', () => {
    const reg = payloadCodec('REG', { start: ['quizId'] });
    expect(reg.decode(codec.encode('start', { quizId: 'vneid' }))).toBeUndefined();
    expect(reg.prefix).toBe('REG');
  });
});
