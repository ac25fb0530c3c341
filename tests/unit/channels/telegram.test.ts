import { TelegramError } from 'telegraf';
import { describe, expect, it } from 'vitest';
import { SendError } from '../../../src/channels/kit/errors.js';
import type { AdapterContext, WebhookRequest } from '../../../src/channels/kit/types.js';
import { classifyTelegram, TelegramAdapter } from '../../../src/channels/telegram/adapter.js';
import { groupCallbackId, normaliseCommand, parseTelegram, type TgUpdate } from '../../../src/channels/telegram/parse.js';
import { renderTelegram } from '../../../src/channels/telegram/render.js';
import { silentLog } from '../../helpers/fakes.js';

const privateChat = { id: 4242, type: 'private' };
const group = { id: -100123, type: 'supergroup' };
const msg = (update_id: number, text: string | undefined, chat = privateChat) =>
  ({ update_id, message: { message_id: 7, chat, from: { id: 4242 }, ...(text !== undefined ? { text } : {}) } }) as TgUpdate;

describe('parseTelegram', () => {
  it('reads a private chat\'s text with the update id as message id', () => {
    expect(parseTelegram(msg(10, 'Xin chào'))).toEqual({ userId: '4242', messageId: '10', input: { text: 'Xin chào' } });
  });

  it('normalises /start with a bot name or a deep link; other commands keep their arguments', () => {
    expect(parseTelegram(msg(11, '/start@bdhvs_bot'))!.input).toEqual({ text: '/start' });
    expect(parseTelegram(msg(12, '/START ref-zalo'))!.input).toEqual({ text: '/start' });
    expect(normaliseCommand('/menu@bdhvs_bot')).toBe('/menu');
    expect(normaliseCommand('/help@bdhvs_bot now')).toBe('/help now');
    expect(normaliseCommand('không phải lệnh')).toBe('không phải lệnh');
  });

  it('marks a sticker or a photo unsupported', () => {
    expect(parseTelegram(msg(13, undefined))!.input).toEqual({ unsupported: true });
  });

  it('ignores group chats, edited messages and other update kinds', () => {
    expect(parseTelegram(msg(14, 'menu', group))).toBeUndefined();
    expect(parseTelegram({ update_id: 15, edited_message: msg(0, 'sửa lại').message } as TgUpdate)).toBeUndefined();
    expect(parseTelegram({ update_id: 16, my_chat_member: {} } as TgUpdate)).toBeUndefined();
    expect(parseTelegram({ update_id: 17, message: { message_id: 1, chat: { type: 'private' } } } as TgUpdate)).toBeUndefined();
  });

  it('reads a button press in a private chat as its payload, with the callback to acknowledge', () => {
    const u = { update_id: 20, callback_query: { id: 'cb1', from: { id: 4242 }, message: { message_id: 3, chat: privateChat }, data: 'QUIZ' } };
    expect(parseTelegram(u)).toEqual({ userId: '4242', messageId: '20', ack: 'cb1', input: { payload: 'QUIZ' } });
    expect(groupCallbackId(u)).toBeUndefined();
  });

  it('takes the user from `from` when the pressed message is too old to be attached; drops a press with neither', () => {
    expect(parseTelegram({ update_id: 21, callback_query: { id: 'cb2', from: { id: 77 }, data: 'MENU' } })).toMatchObject({ userId: '77', ack: 'cb2' });
    expect(parseTelegram({ update_id: 22, callback_query: { id: 'cb3', data: 'MENU' } })).toBeUndefined();
  });

  it('still acknowledges a press without data (a game button), as unsupported', () => {
    expect(parseTelegram({ update_id: 23, callback_query: { id: 'cb4', from: { id: 77 } } })).toMatchObject({ ack: 'cb4', input: { unsupported: true } });
  });

  it('leaves a group\'s button press out of the conversation, but names it to be acknowledged', () => {
    const u = { update_id: 24, callback_query: { id: 'cb5', from: { id: 77 }, message: { message_id: 3, chat: group }, data: 'MENU' } };
    expect(parseTelegram(u)).toBeUndefined();
    expect(groupCallbackId(u)).toBe('cb5');
  });
});

describe('renderTelegram', () => {
  it('one button per row; a button without payload turns the list into numbered text', () => {
    const r = renderTelegram({ text: 'Chọn', buttons: [{ title: 'Một', payload: 'A' }, { title: 'Hai', payload: 'B' }] });
    expect(r.parts[0]!.reply_markup!.inline_keyboard).toEqual([[{ text: 'Một', callback_data: 'A' }], [{ text: 'Hai', callback_data: 'B' }]]);
    const empty = renderTelegram({ text: 'Chọn', buttons: [{ title: 'Một', payload: '' }] });
    expect(empty).toEqual({ parts: [{ text: 'Chọn\n\n1. Một\nTrả lời 1 để chọn.' }], numbered: [{ title: 'Một', payload: '' }] });
  });

  it('puts the keyboard on the last part only', () => {
    const r = renderTelegram({ text: `${'a'.repeat(30)}\n${'b'.repeat(30)}`, buttons: [{ title: 'Menu', payload: 'MENU' }] }, 40);
    expect(r.parts.map((p) => [p.text.length, Boolean(p.reply_markup)])).toEqual([[30, false], [30, true]]);
  });
});

const tgError = (error_code: number, description: string, parameters?: { retry_after?: number }) =>
  new TelegramError({ error_code, description, ...(parameters ? { parameters } : {}) });

describe('classifyTelegram', () => {
  it('429 waits retry_after (1 s when missing)', () => {
    expect(classifyTelegram(tgError(429, 'Too Many Requests: retry after 7', { retry_after: 7 }))).toMatchObject({ code: 429, retryable: true, retryAfterSeconds: 7 });
    expect(classifyTelegram(tgError(429, 'Too Many Requests'))).toMatchObject({ retryable: true, retryAfterSeconds: 1 });
  });

  it('a blocked bot, a deactivated user and an unknown chat mean the person is gone', () => {
    expect(classifyTelegram(tgError(403, 'Forbidden: bot was blocked by the user'))).toMatchObject({ code: 403, retryable: false, gone: true });
    expect(classifyTelegram(tgError(403, 'Forbidden: user is deactivated'))).toMatchObject({ gone: true });
    expect(classifyTelegram(tgError(400, 'Bad Request: chat not found'))).toMatchObject({ code: 400, retryable: false, gone: true });
  });

  it('other 4xx are permanent but the person is not gone; 5xx and network errors are retried', () => {
    expect(classifyTelegram(tgError(400, 'Bad Request: message text is empty'))).toMatchObject({ retryable: false, gone: false });
    expect(classifyTelegram(tgError(403, 'Forbidden: bot can\'t initiate conversation'))).toMatchObject({ gone: false });
    expect(classifyTelegram(tgError(502, 'Bad Gateway'))).toMatchObject({ code: 502, retryable: true, gone: false });
    expect(classifyTelegram(Object.assign(new Error('socket hang up'), { name: 'FetchError' }))).toMatchObject({ code: 'FetchError', retryable: true });
    const already = new SendError('x', false);
    expect(classifyTelegram(already)).toBe(already);
  });
});

/** A webhook request built by hand, as express would hand it to verify. */
function request(headers: Record<string, string>, body: object = { update_id: 1 }): WebhookRequest {
  const raw = Buffer.from(JSON.stringify(body));
  return { raw, body: body as Record<string, unknown>, header: (name) => headers[name.toLowerCase()] };
}

describe('TelegramAdapter webhook', () => {
  const adapter = new TelegramAdapter({ token: '123:abc', apiRoot: 'http://127.0.0.1:9', webhookSecret: 'hook-secret_1', log: silentLog });

  it('exists only with a secret (without one the bot long-polls)', () => {
    expect(adapter.webhook!.path).toBe('/webhooks/telegram');
    expect(new TelegramAdapter({ token: '123:abc', apiRoot: 'http://127.0.0.1:9', log: silentLog }).webhook).toBeUndefined();
  });

  it('accepts the right secret token; 401 without one, 403 with a wrong one', async () => {
    const verify = (h: Record<string, string>) => adapter.webhook!.verify(request(h));
    expect(await verify({ 'x-telegram-bot-api-secret-token': 'hook-secret_1' })).toBeUndefined();
    expect(await verify({})).toMatchObject({ status: 401 });
    expect(await verify({ 'x-telegram-bot-api-secret-token': 'hook-secret_2' })).toMatchObject({ status: 403 });
    expect(await verify({ 'x-telegram-bot-api-secret-token': 'hook-secret_1x' })).toMatchObject({ status: 403 });
  });

  it('takes one update per body; a group button press is acknowledged on the side', async () => {
    const calls: string[] = [];
    const ctx: AdapterContext<TgUpdate> = {
      accept: async () => 'stored',
      call: async <T>(method: string) => {
        calls.push(method);
        return undefined as T;
      },
      retryDelay: () => 0,
    };
    await adapter.start(ctx);
    expect(adapter.webhook!.events({ not: 'an update' })).toEqual([]);
    const press = { update_id: 5, callback_query: { id: 'cb', from: { id: 1 }, message: { message_id: 2, chat: group }, data: 'MENU' } };
    expect(adapter.webhook!.events(press)).toEqual([press]);
    expect(calls).toEqual(['answerCallbackQuery']);
    adapter.webhook!.events(msg(6, 'menu') as unknown as Record<string, unknown>);
    expect(calls).toEqual(['answerCallbackQuery']);
    await adapter.stop();
  });
});
