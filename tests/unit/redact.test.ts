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
