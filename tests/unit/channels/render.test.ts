import { describe, expect, it } from 'vitest';
import { choicePrompt, renderWithButtons, splitText, truncateTitle, typedNumber } from '../../../src/channels/kit/render.js';
import { ButtonMemory } from '../../../src/channels/kit/button-memory.js';
import { parseRetryAfter } from '../../../src/channels/kit/errors.js';
import { safeEqual } from '../../../src/channels/kit/webhook.js';
import { renderTelegram } from '../../../src/channels/telegram/render.js';
import { renderMessenger } from '../../../src/channels/messenger/render.js';
import { renderZalo } from '../../../src/channels/zalo/render.js';

// Pure rendering rules shared by the three connectors (no server needed).
describe('channel rendering', () => {
  it('splits at paragraph, then line, then sentence, then word boundaries; never loses text', () => {
    const para = `${'Câu một. '.repeat(10).trim()}\n\n${'Câu hai. '.repeat(10).trim()}`;
    expect(splitText(para, 100)).toEqual(['Câu một. '.repeat(10).trim(), 'Câu hai. '.repeat(10).trim()]);
    const sentences = 'Đây là câu thứ nhất khá dài. Đây là câu thứ hai cũng dài. Và câu thứ ba.';
    const parts = splitText(sentences, 40);
    expect(parts.every((p) => p.length <= 40)).toBe(true);
    expect(parts[0]).toBe('Đây là câu thứ nhất khá dài.');
    expect(parts.join(' ')).toBe(sentences);
    const run = 'x'.repeat(250);
    expect(splitText(run, 100).map((p) => p.length)).toEqual([100, 100, 50]);
    expect(splitText('😀'.repeat(60), 101).every((p) => !/[\ud800-\udbff]$/.test(p))).toBe(true);
    expect(splitText('ngắn', 4096)).toEqual(['ngắn']);
  });

  it('truncates titles at a word or slash boundary with an ellipsis', () => {
    expect(truncateTitle('Hướng dẫn', 20)).toBe('Hướng dẫn');
    expect(truncateTitle('Làm bài kiểm tra kỹ năng số', 20)).toBe('Làm bài kiểm tra…');
    expect(truncateTitle('Đăng ký đoàn thể/đơn vị', 20)).toBe('Đăng ký đoàn thể…');
    expect([...truncateTitle('Khôngcókhoảngtrắngnàoởđâycả', 20)]).toHaveLength(20);
  });

  it('prompts for numbered choices in plain Vietnamese', () => {
    expect(choicePrompt(4)).toBe('Trả lời 1, 2, 3 hoặc 4.');
    expect(choicePrompt(2)).toBe('Trả lời 1 hoặc 2.');
    expect(choicePrompt(39)).toBe('Trả lời một số từ 1 đến 39.');
    expect(typedNumber(' 2. ')).toBe(2);
    expect(typedNumber('số 3')).toBe(3);
    expect(typedNumber('2 con gà')).toBeUndefined();
  });

  it('Telegram: a payload longer than 64 bytes turns the buttons into a numbered list', () => {
    const ok = renderTelegram({ text: 'Chọn', buttons: [{ title: 'Một', payload: 'A' }] }, 4096);
    expect(ok.parts[0]!.reply_markup!.inline_keyboard).toEqual([[{ text: 'Một', callback_data: 'A' }]]);
    const long = renderTelegram({ text: 'Chọn', buttons: [{ title: 'Một', payload: 'đ'.repeat(33) }, { title: 'Hai', payload: 'B' }] }, 4096);
    expect(long.parts[0]!.reply_markup).toBeUndefined();
    expect(long.parts[0]!.text).toBe('Chọn\n\n1. Một\n2. Hai\nTrả lời 1 hoặc 2.');
    expect(long.numbered).toHaveLength(2);
  });

  it('Messenger: at most 13 quick replies, otherwise a numbered list', () => {
    const many = Array.from({ length: 14 }, (_, i) => ({ title: `Xã số ${i + 1}`, payload: `U:${i}` }));
    expect(renderMessenger({ text: 'Chọn', buttons: many.slice(0, 13) }, 2000).parts[0]!.quick_replies).toHaveLength(13);
    const r = renderMessenger({ text: 'Chọn', buttons: many }, 2000);
    expect(r.parts[0]!.quick_replies).toBeUndefined();
    expect(r.parts[0]!.text).toContain('14. Xã số 14\nTrả lời một số từ 1 đến 14.');
  });

  it('Zalo: at most 5 buttons; repeated titles still map to distinct payloads', () => {
    const r = renderZalo({ text: 'Chọn', buttons: [{ title: 'Có', payload: 'P1' }, { title: 'Có', payload: 'P2' }] }, 2000);
    const b = r.parts[0]!.attachment!.payload.buttons;
    expect(b.map((x) => x.payload)).toEqual(['Có', '2. Có']);
    const mem = new ButtonMemory();
    mem.offer('u', { queries: r.queries });
    expect(mem.resolve('u', '2. Có')).toBe('P2');
    expect(mem.resolve('u', 'Có')).toBe('P1');
    expect(mem.resolve('other', 'Có')).toBeUndefined();
    const six = renderZalo({ text: 'Chọn', buttons: Array.from({ length: 6 }, (_, i) => ({ title: `T${i}`, payload: `P${i}` })) }, 2000);
    expect(six.parts[0]!.attachment).toBeUndefined();
    expect(six.numbered).toHaveLength(6);
  });

  it('button memory: numbers refer to the latest list only', () => {
    const mem = new ButtonMemory(2);
    mem.offer('u', { numbered: [{ title: 'A', payload: 'PA' }, { title: 'B', payload: 'PB' }] });
    expect(mem.resolve('u', '2')).toBe('PB');
    expect(mem.resolve('u', '3')).toBeUndefined();
    mem.offer('u', {});
    expect(mem.resolve('u', '2')).toBeUndefined();
    mem.offer('v', {});
    mem.offer('w', {}); // bounded: the oldest user is forgotten
    mem.offer('x', { numbered: [{ title: 'A', payload: 'PA' }] });
    expect(mem.resolve('x', '1')).toBe('PA');
  });

  it('renderWithButtons: attaches fitting buttons to the last part only, else lists them under the text', () => {
    type Part = { text: string; buttons?: string[] };
    const attached: Part[] = [];
    const o = {
      limit: 20,
      fits: (b: { payload: string }[]) => b.length <= 2,
      attach: (last: Part, b: { title: string; payload: string }[]) => {
        attached.push(last);
        last.buttons = b.map((x) => x.payload);
        return b.map((x): [string, string] => [x.title, x.payload]);
      },
    };
    const two = [{ title: 'Có', payload: 'Y' }, { title: 'Không', payload: 'N' }];
    const r = renderWithButtons<Part>({ text: 'Một câu khá dài. Và câu nữa.', buttons: two }, o);
    expect(r).toEqual({ parts: [{ text: 'Một câu khá dài.' }, { text: 'Và câu nữa.', buttons: ['Y', 'N'] }], queries: [['Có', 'Y'], ['Không', 'N']] });
    expect(attached).toHaveLength(1);
    const three = renderWithButtons<Part>({ text: 'Chọn', buttons: [...two, { title: 'Menu', payload: 'M' }] }, { ...o, limit: 100 });
    expect(three).toEqual({ parts: [{ text: 'Chọn\n\n1. Có\n2. Không\n3. Menu\nTrả lời 1, 2 hoặc 3.' }], numbered: [...two, { title: 'Menu', payload: 'M' }] });
    expect(renderWithButtons<Part>({ text: '  ' }, o)).toEqual({ parts: [{ text: '' }] });
    expect(attached).toHaveLength(1);
  });

  it('parses Retry-After as seconds or an HTTP date; compares secrets safely', () => {
    expect(parseRetryAfter('3')).toBe(3);
    expect(parseRetryAfter('0.5')).toBe(0.5);
    const inTwo = new Date(Date.now() + 2000).toUTCString();
    expect(parseRetryAfter(inTwo)).toBeLessThanOrEqual(2);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abd')).toBe(false);
    expect(safeEqual('abc', 'abcd')).toBe(false);
  });
});
