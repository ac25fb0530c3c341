import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PlatformHttpError, SendError } from '../../../src/channels/kit/errors.js';
import type { WebhookRequest } from '../../../src/channels/kit/types.js';
import { classifyMessenger, MessengerAdapter } from '../../../src/channels/messenger/adapter.js';
import { messagingEvents, parseMessenger, type MessagingEvent } from '../../../src/channels/messenger/parse.js';
import { renderMessenger } from '../../../src/channels/messenger/render.js';

const PSID = '24008123456789';
const at = 1767574800000;

describe('messagingEvents', () => {
  it('flattens the batched entries of a page body; skips standby and other objects', () => {
    const body = {
      object: 'page',
      entry: [
        { id: 'p', time: at, messaging: [{ sender: { id: 'a' } }, { sender: { id: 'b' } }] },
        { id: 'p', time: at, standby: [{ sender: { id: 'c' } }] },
        { id: 'p', time: at, messaging: [null, { sender: { id: 'd' } }] },
      ],
    };
    expect(messagingEvents(body).map((e) => e.sender?.id)).toEqual(['a', 'b', 'd']);
    expect(messagingEvents({ object: 'instagram', entry: body.entry })).toEqual([]);
    expect(messagingEvents({ object: 'page' })).toEqual([]);
  });
});

describe('parseMessenger', () => {
  const ev = (e: Partial<MessagingEvent>): MessagingEvent => ({ sender: { id: PSID }, recipient: { id: 'page' }, timestamp: at, ...e }) as MessagingEvent;

  it('reads a text message by its mid, with the platform\'s time', () => {
    expect(parseMessenger(ev({ message: { mid: 'm_1', text: 'Nghị quyết 57 là gì?' } })))
      .toEqual({ userId: PSID, messageId: 'm_1', at, input: { text: 'Nghị quyết 57 là gì?' } });
  });

  it('prefers a quick reply\'s payload to its text; an attachment is unsupported', () => {
    expect(parseMessenger(ev({ message: { mid: 'm_2', text: 'Hỏi đáp', quick_reply: { payload: 'ASK' } } }))!.input).toEqual({ payload: 'ASK' });
    expect(parseMessenger(ev({ message: { mid: 'm_3', attachments: [{ type: 'image' }] } }))!.input).toEqual({ unsupported: true });
  });

  it('ignores echoes of the page\'s own sends, messages without mid, deliveries, reads and events without a sender', () => {
    expect(parseMessenger(ev({ message: { mid: 'm_4', text: 'Bạn muốn làm gì?', is_echo: true } }))).toBeUndefined();
    expect(parseMessenger(ev({ message: { text: 'no mid' } }))).toBeUndefined();
    expect(parseMessenger({ ...ev({}), delivery: { mids: ['m_1'] } } as MessagingEvent)).toBeUndefined();
    expect(parseMessenger({ ...ev({}), read: { watermark: at } } as MessagingEvent)).toBeUndefined();
    expect(parseMessenger({ message: { mid: 'm_5', text: 'x' } })).toBeUndefined();
  });

  it('reads a postback by its mid when it has one', () => {
    expect(parseMessenger(ev({ postback: { mid: 'm_pb', payload: 'START', title: 'Bắt đầu' } as MessagingEvent['postback'] })))
      .toEqual({ userId: PSID, messageId: 'm_pb', at, input: { payload: 'START' } });
  });

  it('keys a postback without mid by its content: a redelivery gets the same id, another press another', () => {
    const press = ev({ postback: { payload: 'START' } });
    const id = parseMessenger(press)!.messageId;
    expect(id).toMatch(/^postback:[\w-]{32}$/);
    expect(parseMessenger(JSON.parse(JSON.stringify(press)) as MessagingEvent)!.messageId).toBe(id);
    expect(parseMessenger({ ...press, timestamp: at + 1 })!.messageId).not.toBe(id);
    expect(parseMessenger(ev({ postback: { payload: 'MENU' } }))!.messageId).not.toBe(id);
    expect(parseMessenger(ev({ postback: { title: 'no payload' } as MessagingEvent['postback'] }))).toBeUndefined();
  });
});

describe('renderMessenger', () => {
  it('shortens quick reply titles to 20 characters and keeps the payloads', () => {
    const r = renderMessenger({ text: 'Chọn', buttons: [{ title: 'Làm bài kiểm tra kỹ năng số', payload: 'QUIZ' }] });
    expect(r.parts[0]!.quick_replies).toEqual([{ content_type: 'text', title: 'Làm bài kiểm tra…', payload: 'QUIZ' }]);
  });

  it('lists buttons with an empty or over-long payload as numbered text', () => {
    expect(renderMessenger({ text: 'Chọn', buttons: [{ title: 'A', payload: 'x'.repeat(1001) }] }).numbered).toHaveLength(1);
    expect(renderMessenger({ text: 'Chọn', buttons: [{ title: 'A', payload: '' }] }).parts[0]!.quick_replies).toBeUndefined();
  });
});

const graphError = (status: number, error?: object, headers: Record<string, unknown> = {}) => new PlatformHttpError(status, error ? { error } : {}, headers);

describe('classifyMessenger', () => {
  it('retries rate limits and transient Graph errors, honouring Retry-After', () => {
    expect(classifyMessenger(graphError(429, undefined, { 'retry-after': '12' }))).toMatchObject({ code: 429, retryable: true, retryAfterSeconds: 12 });
    expect(classifyMessenger(graphError(400, { code: 613, message: 'Calls to this api have exceeded the rate limit.' }))).toMatchObject({ code: '613', retryable: true });
    expect(classifyMessenger(graphError(400, { code: 4 }))).toMatchObject({ retryable: true });
    expect(classifyMessenger(graphError(400, { code: 100, is_transient: true }))).toMatchObject({ code: '100', retryable: true });
    expect(classifyMessenger(graphError(500, { code: 2, error_subcode: 2018218 }))).toMatchObject({ code: '2/2018218', retryable: true });
    expect(classifyMessenger(graphError(503))).toMatchObject({ code: 503, retryable: true });
  });

  it('a person who is unavailable (551, subcode 1545041) is gone and not retried', () => {
    expect(classifyMessenger(graphError(400, { code: 551, error_subcode: 1545041 }))).toMatchObject({ code: '551/1545041', retryable: false, gone: true });
    expect(classifyMessenger(graphError(400, { code: 10, error_subcode: 1545041 }))).toMatchObject({ gone: true });
    expect(classifyMessenger(graphError(400, { code: 551 }))).toMatchObject({ gone: true });
  });

  it('other Graph errors are permanent and ignore Retry-After; network errors are retried', () => {
    const bad = classifyMessenger(graphError(400, { code: 100, error_subcode: 2018001 }, { 'retry-after': '5' }));
    expect(bad).toMatchObject({ code: '100/2018001', retryable: false, gone: false });
    expect(bad.retryAfterSeconds).toBeUndefined();
    expect(classifyMessenger(graphError(401, { code: 190 }))).toMatchObject({ code: '190', retryable: false });
    expect(classifyMessenger(Object.assign(new Error('timeout'), { name: 'CanceledError' }))).toMatchObject({ code: 'CanceledError', retryable: true });
    const already = new SendError(1, true);
    expect(classifyMessenger(already)).toBe(already);
  });
});

describe('MessengerAdapter webhook', () => {
  const adapter = new MessengerAdapter({ pageToken: 'EAAB-page', appSecret: 'app-secret', verifyToken: 'verify-me', graphUrl: 'http://127.0.0.1:9/v23.0' });
  const raw = Buffer.from(JSON.stringify({ object: 'page', entry: [] }));
  const sign = (secret: string, body = raw) => `sha256=${crypto.createHmac('sha256', secret).update(body).digest('hex')}`;
  const request = (headers: Record<string, string>): WebhookRequest =>
    ({ raw, body: JSON.parse(raw.toString()) as Record<string, unknown>, header: (n) => headers[n.toLowerCase()] });

  it('accepts the app secret\'s HMAC of the raw body, in any letter case', async () => {
    expect(await adapter.webhook.verify(request({ 'x-hub-signature-256': sign('app-secret') }))).toBeUndefined();
    expect(await adapter.webhook.verify(request({ 'x-hub-signature-256': sign('app-secret').toUpperCase().replace('SHA256=', 'sha256=') }))).toBeUndefined();
  });

  it('401 without a signature (a SHA-1 one alone does not count); 403 for another secret or other bytes', async () => {
    expect(await adapter.webhook.verify(request({}))).toMatchObject({ status: 401 });
    expect(await adapter.webhook.verify(request({ 'x-hub-signature': `sha1=${crypto.createHmac('sha1', 'app-secret').update(raw).digest('hex')}` }))).toMatchObject({ status: 401 });
    expect(await adapter.webhook.verify(request({ 'x-hub-signature-256': sign('other-secret') }))).toMatchObject({ status: 403 });
    expect(await adapter.webhook.verify(request({ 'x-hub-signature-256': sign('app-secret', Buffer.from(`${raw.toString()} `)) }))).toMatchObject({ status: 403 });
  });

  it('answers the subscription check only with the verify token', () => {
    const get = adapter.webhook.get!;
    expect(get({ 'hub.mode': 'subscribe', 'hub.verify_token': 'verify-me', 'hub.challenge': '1158201444' })).toEqual({ status: 200, text: '1158201444' });
    expect(get({ 'hub.mode': 'subscribe', 'hub.verify_token': 'guess', 'hub.challenge': '1' })).toMatchObject({ status: 403 });
    expect(get({ 'hub.mode': 'unsubscribe', 'hub.verify_token': 'verify-me', 'hub.challenge': '1' })).toMatchObject({ status: 403 });
    expect(get({ 'hub.mode': 'subscribe', 'hub.verify_token': 'verify-me' })).toMatchObject({ status: 403 });
  });
});
