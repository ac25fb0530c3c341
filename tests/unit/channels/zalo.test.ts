import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PlatformHttpError, SendError } from '../../../src/channels/kit/errors.js';
import type { WebhookRequest } from '../../../src/channels/kit/types.js';
import { classifyZalo, ZaloAdapter, ZaloApiError } from '../../../src/channels/zalo/adapter.js';
import { parseZalo, type ZaloEvent } from '../../../src/channels/zalo/parse.js';
import { renderZalo } from '../../../src/channels/zalo/render.js';
import { MemorySettings, silentLog } from '../../helpers/fakes.js';

// Events in Zalo's wire format (see /work/shared/reference/platforms.md): timestamps are strings.
const APP_ID = '1234567890123456789';
const USER = '2468013579246801357';
const OA = '9876543210987654321';
const base = { app_id: APP_ID, user_id_by_app: '5550001112223334445', timestamp: '1735689600000' };
const userSend = (event_name: string, message: object): ZaloEvent => ({ ...base, event_name, sender: { id: USER }, recipient: { id: OA }, message } as ZaloEvent);

describe('parseZalo', () => {
  it('greets a new follower as a start, keyed by follower and time without the id in clear (a redelivery is the same message)', () => {
    const follow = { ...base, oa_id: OA, event_name: 'follow', source: 'oa_profile', follower: { id: USER } } as ZaloEvent;
    const parsed = parseZalo(follow)!;
    expect(parsed).toMatchObject({ userId: USER, at: 1735689600000, input: { start: true }, present: true });
    expect(parsed.messageId).toMatch(/^follow:[\w-]{32}$/);
    expect(parsed.messageId).not.toContain(USER);
    expect(parseZalo(follow)!.messageId).toBe(parsed.messageId);
    expect(parseZalo({ ...follow, timestamp: '1735689999999' })!.messageId).not.toBe(parsed.messageId);
    expect(parseZalo({ ...follow, follower: {} } as ZaloEvent)).toBeUndefined();
  });

  it('reads user_send_text by its msg_id; a button press arrives as its query text', () => {
    expect(parseZalo(userSend('user_send_text', { msg_id: 'a1b2c3', text: 'xin chào' })))
      .toEqual({ userId: USER, messageId: 'a1b2c3', at: 1735689600000, input: { text: 'xin chào' } });
    expect(parseZalo(userSend('user_send_text', { msg_id: 'a1b2c4' }))!.input).toEqual({ text: '' });
  });

  it('reads an image by its URL (the caption is not read); stickers and other user_send_* are unsupported', () => {
    const image = userSend('user_send_image', { msg_id: 'f0e1', text: 'ảnh CCCD', attachments: [{ type: 'image', payload: { url: 'https://example.invalid/i.jpg' } }] });
    expect(parseZalo(image)).toMatchObject({ input: {}, image: { url: 'https://example.invalid/i.jpg' } });
    expect(parseZalo(userSend('user_send_image', { msg_id: 'f0e3' }))!.input).toEqual({ unsupported: true });
    expect(parseZalo(userSend('user_send_sticker', { msg_id: 'f0e2' }))!.input).toEqual({ unsupported: true });
  });

  it('reads an unfollow as the person leaving (nothing to answer)', () => {
    const left = parseZalo({ ...base, event_name: 'unfollow', follower: { id: USER } } as ZaloEvent)!;
    expect(left).toMatchObject({ userId: USER, input: {}, present: false });
    expect(left.messageId).not.toContain(USER);
  });

  it('ignores the OA\'s own echoes, receipts, and messages without sender or msg_id', () => {
    expect(parseZalo({ ...userSend('oa_send_text', { msg_id: 'e1', text: 'Bạn muốn làm gì?' }), sender: { id: OA } })).toBeUndefined();
    expect(parseZalo(userSend('user_seen_message', { msg_ids: ['e1'] }))).toBeUndefined();
    expect(parseZalo({ ...userSend('user_send_text', { msg_id: 'x', text: 'a' }), sender: undefined })).toBeUndefined();
    expect(parseZalo(userSend('user_send_text', { text: 'no id' }))).toBeUndefined();
    expect(parseZalo({})).toBeUndefined();
  });

  it('has no time for a missing or non-numeric timestamp', () => {
    expect(parseZalo({ ...userSend('user_send_text', { msg_id: 'a', text: 'a' }), timestamp: undefined })!.at).toBeUndefined();
    expect(parseZalo({ ...userSend('user_send_text', { msg_id: 'a', text: 'a' }), timestamp: 'yesterday' })!.at).toBeUndefined();
  });
});

describe('renderZalo', () => {
  it('cuts button titles and queries to 100 characters; the query maps back to the payload', () => {
    const long = `Hướng dẫn ${'rất '.repeat(40)}dài`;
    const r = renderZalo({ text: 'Chọn', buttons: [{ title: long, payload: 'HELP' }] });
    const b = r.parts[0]!.attachment!.payload.buttons[0]!;
    expect(b.type).toBe('oa.query.show');
    expect(b.title).toHaveLength(100);
    expect(r.queries).toEqual([[b.payload, 'HELP']]);
  });

  it('attaches no buttons to a reply without them', () => {
    expect(renderZalo({ text: 'Xin chào' })).toEqual({ parts: [{ text: 'Xin chào' }] });
  });
});

describe('classifyZalo', () => {
  it('-32 (rate limit) is retried', () => {
    expect(classifyZalo(new ZaloApiError(-32))).toMatchObject({ code: -32, retryable: true, gone: false });
  });

  it('not a follower (-213), blocked (-244), inactive (-227) mean the person is gone', () => {
    for (const code of [-213, -244, -227]) expect(classifyZalo(new ZaloApiError(code))).toMatchObject({ code, retryable: false, gone: true });
  });

  it('other API errors are permanent (a rejected token was already refreshed once by send)', () => {
    for (const code of [-201, -216, -230]) expect(classifyZalo(new ZaloApiError(code))).toMatchObject({ code, retryable: false, gone: false });
  });

  it('HTTP 429 and 5xx are retried with Retry-After; other HTTP errors are not', () => {
    expect(classifyZalo(new PlatformHttpError(429, {}, { 'retry-after': '3' }))).toMatchObject({ code: 429, retryable: true, retryAfterSeconds: 3 });
    expect(classifyZalo(new PlatformHttpError(502, {}, {}))).toMatchObject({ code: 502, retryable: true });
    const notFound = classifyZalo(new PlatformHttpError(404, {}, { 'retry-after': '3' }));
    expect(notFound).toMatchObject({ code: 404, retryable: false });
    expect(notFound.retryAfterSeconds).toBeUndefined();
    expect(classifyZalo(Object.assign(new Error('x'), { name: 'AxiosError' }))).toMatchObject({ code: 'AxiosError', retryable: true });
    const already = new SendError('zalo_no_access_token', false);
    expect(classifyZalo(already)).toBe(already);
  });
});

describe('ZaloAdapter webhook', () => {
  const adapter = new ZaloAdapter({
    appId: APP_ID, oaSecretKey: 'oa-secret', accessToken: 'at', apiUrl: 'http://127.0.0.1:9', oauthUrl: 'http://127.0.0.1:9',
    settings: new MemorySettings(), log: silentLog,
  });
  const event = { ...userSend('user_send_text', { msg_id: 'a1', text: 'xin chào' }) };
  const raw = Buffer.from(JSON.stringify(event));
  const mac = (secret = 'oa-secret', body = raw, ts = base.timestamp) => crypto.createHash('sha256').update(`${APP_ID}${body.toString()}${ts}${secret}`).digest('hex');
  const request = (headers: Record<string, string>, body = raw): WebhookRequest => {
    let parsed: Record<string, unknown> | undefined;
    try {
      parsed = JSON.parse(body.toString()) as Record<string, unknown>;
    } catch {
      parsed = undefined;
    }
    return { raw: body, body: parsed, header: (n) => headers[n.toLowerCase()] };
  };

  it('accepts SHA-256 of app id + raw body + timestamp + OA secret key, with or without "mac="', async () => {
    expect(await adapter.webhook.verify(request({ 'x-zevent-signature': `mac=${mac()}` }))).toBeUndefined();
    expect(await adapter.webhook.verify(request({ 'x-zevent-signature': mac() }))).toBeUndefined();
    expect(await adapter.webhook.verify(request({ 'x-zevent-signature': `MAC=${mac().toUpperCase()}` }))).toBeUndefined();
  });

  it('401 without a signature; 403 for another key, other bytes, or an HMAC instead of the plain hash', async () => {
    expect(await adapter.webhook.verify(request({}))).toMatchObject({ status: 401 });
    expect(await adapter.webhook.verify(request({ 'x-zevent-signature': `mac=${mac('app-secret')}` }))).toMatchObject({ status: 403 });
    const edited = Buffer.from(raw.toString().replace('xin chào', 'xin chao'));
    expect(await adapter.webhook.verify(request({ 'x-zevent-signature': `mac=${mac()}` }, edited))).toMatchObject({ status: 403 });
    const hmac = crypto.createHmac('sha256', 'oa-secret').update(`${APP_ID}${raw.toString()}${base.timestamp}`).digest('hex');
    expect(await adapter.webhook.verify(request({ 'x-zevent-signature': `mac=${hmac}` }))).toMatchObject({ status: 403 });
  });

  it('leaves a signed body that is not JSON to the router (400), and takes one event per body', async () => {
    expect(await adapter.webhook.verify(request({ 'x-zevent-signature': 'mac=00' }, Buffer.from('{oops')))).toBeUndefined();
    expect(adapter.webhook.events(event as Record<string, unknown>)).toEqual([event]);
  });
});
