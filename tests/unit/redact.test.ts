import { describe, expect, it } from 'vitest';
import { redactPersonalData } from '../../src/participation/redact.js';

describe('redacting personal data from kept questions', () => {
  it('masks phone, ID and account numbers and e-mail addresses', () => {
    expect(redactPersonalData('số của tôi 0912 345 678 bị lừa')).toBe('số của tôi [10 chữ số] bị lừa');
    expect(redactPersonalData('cccd 012345678901 mất rồi')).toBe('cccd [12 chữ số] mất rồi');
    expect(redactPersonalData('gửi về lan.nguyen@gmail.com nhé')).toBe('gửi về [email] nhé');
  });

  it('keeps short numbers such as years, levels and resolution numbers', () => {
    const q = 'Nghị quyết 57 năm 2024 và VNeID mức 2 có gì mới, giá 10.000 đồng?';
    expect(redactPersonalData(q)).toBe(q);
  });
});

describe('redacting long texts', () => {
  // Before, the e-mail pattern restarted at every letter of a long run: 20,000 letters took seconds and
  // 200,000 would take minutes (this test's timeout). Speed itself is measured by bench/redact.ts.
  it.each([20_000, 200_000])('completes on %i characters and still masks what it should', (n) => {
    const filler = 'ầ'.repeat(n / 2);
    const text = `${filler} gửi về lan.nguyen@gmail.com hoặc gọi 0912 345 678 ${'nguyễnvăn'.repeat(n / 20)}`;
    const out = redactPersonalData(text);
    expect(out).toBe(`${filler} gửi về [email] hoặc gọi [10 chữ số] ${'nguyễnvăn'.repeat(n / 20)}`);
  });

  it.each([
    ['a@' + 'b.'.repeat(50_000) + '1', 'a@' + 'b.'.repeat(50_000) + '1'],
    ['x'.repeat(100_000) + '@' + 'y'.repeat(100_000), 'x'.repeat(100_000) + '@' + 'y'.repeat(100_000)],
    ['1.'.repeat(100_000), '[100000 chữ số]'],
  ])('completes on hostile shapes (%#)', (input, expected) => {
    expect(redactPersonalData(input)).toBe(expected);
  });
});
