import type { Activity } from 'botbuilder';
import { describe, expect, it } from 'vitest';
import { bearerClaims, BotFrameworkAdapter, CHANNEL_TOKEN_ISSUER, classifyBotFramework } from '../../../src/channels/botframework/adapter.js';
import { TokenRequestError } from '../../../src/channels/botframework/credentials.js';
import { parseBotFramework } from '../../../src/channels/botframework/parse.js';
import { renderBotFramework } from '../../../src/channels/botframework/render.js';
import { SendError } from '../../../src/channels/kit/errors.js';
import type { WebhookRequest } from '../../../src/channels/kit/types.js';
import { silentLog } from '../../helpers/fakes.js';

const BOT = '28:bot-app-id';
const act = (a: Record<string, unknown>): Activity => ({
  type: 'message', id: 'act-1', channelId: 'msteams', serviceUrl: 'https://smba.trafficmanager.net/apac/',
  from: { id: '29:1ken', name: 'Ken' }, recipient: { id: BOT, name: 'bot' },
  conversation: { id: 'a:1conv', conversationType: 'personal' }, ...a,
}) as unknown as Activity;

describe('parseBotFramework: messages', () => {
  it('reads a personal chat\'s text; the user is per channel, the activity itself is the reply address', () => {
    const a = act({ text: 'Xin chào' });
    const m = parseBotFramework(a)!;
    expect(m).toMatchObject({ userId: 'msteams:29:1ken', input: { text: 'Xin chào' } });
    expect(m.address).toBe(a);
    expect(m.messageId).toMatch(/^[\w-]{32}$/);
  });

  it('keys a message by channel, conversation and activity id: ids repeat across conversations', () => {
    const id = parseBotFramework(act({ text: 'a' }))!.messageId;
    expect(parseBotFramework(act({ text: 'b' }))!.messageId).toBe(id);
    expect(parseBotFramework(act({ text: 'a', conversation: { id: 'a:2conv', conversationType: 'personal' } }))!.messageId).not.toBe(id);
    expect(parseBotFramework(act({ text: 'a', channelId: 'webchat' }))!.messageId).not.toBe(id);
  });

  it('keys an activity without id by its content: a redelivery gets the same id', () => {
    const a = act({ id: undefined, text: 'menu', timestamp: '2026-01-05T01:00:00Z' });
    const id = parseBotFramework(a)!.messageId;
    expect(parseBotFramework(JSON.parse(JSON.stringify(a)) as Activity)!.messageId).toBe(id);
    expect(parseBotFramework({ ...a, timestamp: '2026-01-05T01:00:01Z' } as unknown as Activity)!.messageId).not.toBe(id);
  });

  it('a card button\'s value.payload wins over its text; attachments alone are unsupported; blank text is no input', () => {
    expect(parseBotFramework(act({ text: 'Hỏi đáp', value: { payload: 'ASK' } }))!.input).toEqual({ payload: 'ASK' });
    expect(parseBotFramework(act({ text: 'Hỏi đáp', value: { other: 1 } }))!.input).toEqual({ text: 'Hỏi đáp' });
    expect(parseBotFramework(act({ attachments: [{ contentType: 'image/png' }] }))!.input).toEqual({ unsupported: true });
    expect(parseBotFramework(act({ text: '   ' }))!.input).toEqual({});
  });

  it('ignores group chats, Teams channels, the bot\'s own messages and activities missing their ids', () => {
    expect(parseBotFramework(act({ text: 'hi', conversation: { id: 'c', isGroup: true } }))).toBeUndefined();
    expect(parseBotFramework(act({ text: 'hi', conversation: { id: 'c', conversationType: 'groupChat' } }))).toBeUndefined();
    expect(parseBotFramework(act({ text: 'hi', conversation: { id: 'c', conversationType: 'channel' } }))).toBeUndefined();
    expect(parseBotFramework(act({ text: 'hi', from: { id: BOT } }))).toBeUndefined();
    expect(parseBotFramework(act({ text: 'hi', from: undefined }))).toBeUndefined();
    expect(parseBotFramework(act({ text: 'hi', channelId: undefined }))).toBeUndefined();
    expect(parseBotFramework(act({ text: 'hi', conversation: undefined }))).toBeUndefined();
  });

  it('ignores typing, reactions, invokes and events', () => {
    for (const type of ['typing', 'messageReaction', 'invoke', 'event', 'installationUpdate']) expect(parseBotFramework(act({ type }))).toBeUndefined();
  });
});

describe('parseBotFramework: conversationUpdate', () => {
  const update = (a: Record<string, unknown>) => act({ type: 'conversationUpdate', text: undefined, ...a });

  it('greets the person Web Chat adds, keyed per person', () => {
    const m = parseBotFramework(update({ channelId: 'webchat', from: { id: 'dl_1' }, membersAdded: [{ id: BOT }, { id: 'dl_1' }] }))!;
    expect(m).toMatchObject({ userId: 'webchat:dl_1', input: { start: true } });
    const other = parseBotFramework(update({ channelId: 'webchat', from: { id: 'dl_1' }, membersAdded: [{ id: 'dl_2' }] }))!;
    expect(other.userId).toBe('webchat:dl_2');
    expect(other.messageId).not.toBe(m.messageId);
  });

  it('greets the installer when Teams adds only the bot to a personal chat', () => {
    expect(parseBotFramework(update({ membersAdded: [{ id: BOT }] }))).toMatchObject({ userId: 'msteams:29:1ken', input: { start: true } });
  });

  it('greets nobody when only the bot is added elsewhere, or the installer is the bot itself', () => {
    expect(parseBotFramework(update({ membersAdded: [{ id: BOT }], conversation: { id: 'c' } }))).toBeUndefined();
    expect(parseBotFramework(update({ membersAdded: [{ id: BOT }], from: { id: BOT } }))).toBeUndefined();
  });

  it('greets nobody when membersAdded is missing, not a list, or holds no ids (members removed, renames)', () => {
    expect(parseBotFramework(update({}))).toBeUndefined();
    expect(parseBotFramework(update({ membersAdded: { id: 'dl_1' } }))).toBeUndefined();
    expect(parseBotFramework(update({ membersAdded: 'dl_1' }))).toBeUndefined();
    expect(parseBotFramework(update({ membersAdded: [null, {}, { id: 42 }] }))).toBeUndefined();
    expect(parseBotFramework(update({ membersRemoved: [{ id: '29:1ken' }] }))).toBeUndefined();
  });

  it('a start without activity id is keyed by its content too', () => {
    const a = update({ id: undefined, membersAdded: [{ id: 'dl_1' }] });
    expect(parseBotFramework(a)!.messageId).toBe(parseBotFramework(JSON.parse(JSON.stringify(a)) as Activity)!.messageId);
  });
});

describe('renderBotFramework', () => {
  it('messageBack buttons carry the payload in value and the title as text', () => {
    const r = renderBotFramework({ text: 'Chọn', buttons: [{ title: 'Hỏi đáp', payload: 'ASK' }] });
    expect(r.parts[0]!.actions).toEqual([{ type: 'messageBack', title: 'Hỏi đáp', text: 'Hỏi đáp', displayText: 'Hỏi đáp', value: { payload: 'ASK' } }]);
  });

  it('more than 6 buttons, or one without payload, become numbered text', () => {
    const seven = Array.from({ length: 7 }, (_, i) => ({ title: `Mục ${i + 1}`, payload: `P${i}` }));
    expect(renderBotFramework({ text: 'Chọn', buttons: seven.slice(0, 6) }).parts[0]!.actions).toHaveLength(6);
    expect(renderBotFramework({ text: 'Chọn', buttons: seven }).numbered).toHaveLength(7);
    expect(renderBotFramework({ text: 'Chọn', buttons: [{ title: 'A', payload: '' }] }).parts[0]!.actions).toBeUndefined();
  });
});

describe('classifyBotFramework', () => {
  it('never retries on its own: the connector client already retried 429, 5xx and network errors', () => {
    expect(classifyBotFramework(Object.assign(new Error('Forbidden'), { statusCode: 403 }))).toMatchObject({ code: 403, retryable: false });
    expect(classifyBotFramework(Object.assign(new Error('Too many'), { statusCode: 429 }))).toMatchObject({ code: 429, retryable: false });
    expect(classifyBotFramework(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toMatchObject({ code: 'ECONNRESET', retryable: false });
    expect(classifyBotFramework(new TypeError('x'))).toMatchObject({ code: 'TypeError' });
    expect(classifyBotFramework(undefined)).toMatchObject({ code: 'network_error' });
  });

  it('a refused token request is named by its status, not retried', () => {
    expect(classifyBotFramework(new TokenRequestError(401, 'invalid_client'))).toMatchObject({ code: 'token_401', retryable: false });
    expect(classifyBotFramework(new TokenRequestError('ECONNREFUSED'))).toMatchObject({ code: 'token_ECONNREFUSED', retryable: false });
    const already = new SendError('timeout', false);
    expect(classifyBotFramework(already)).toBe(already);
  });
});

/** An unsigned JWT with the given claims: enough for the cheap issuer check that comes before verification. */
const jwt = (claims: object) => `Bearer ${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.c2ln`;

describe('bearerClaims', () => {
  it('reads the claims of a bearer JWT without trusting them; nothing for anything else', () => {
    expect(bearerClaims(jwt({ iss: CHANNEL_TOKEN_ISSUER, aud: 'app' }))).toEqual({ iss: CHANNEL_TOKEN_ISSUER, aud: 'app' });
    expect(bearerClaims(undefined)).toBeUndefined();
    expect(bearerClaims('Basic dXNlcjpwYXNz')).toBeUndefined();
    expect(bearerClaims('Bearer not-a-jwt')).toBeUndefined();
    expect(bearerClaims(`Bearer a.${Buffer.from('{oops').toString('base64url')}.c`)).toBeUndefined();
  });
});

describe('BotFrameworkAdapter webhook', () => {
  const adapter = new BotFrameworkAdapter({
    appId: 'bot-app-id', password: 'pw', appType: 'MultiTenant', log: silentLog,
    // Never reached: every request below is refused before a signing key would be needed.
    openIdMetadataUrl: 'http://127.0.0.1:9/openid', loginUrl: 'http://127.0.0.1:9',
  });
  const request = (headers: Record<string, string>, body: Record<string, unknown> | undefined): WebhookRequest =>
    ({ raw: Buffer.from(JSON.stringify(body ?? null)), body, header: (n) => headers[n.toLowerCase()] });
  const activity = { type: 'message', serviceUrl: 'https://smba.trafficmanager.net/apac/', text: 'hi' };

  it('answers 503 with Retry-After until its runtime is loaded', async () => {
    expect(await adapter.webhook.verify(request({ authorization: jwt({ iss: CHANNEL_TOKEN_ISSUER }) }, activity)))
      .toEqual({ status: 503, code: 'starting', message: 'Not ready yet', retryAfterSeconds: 1 });
  });

  it('refuses without a token, or a token no Bot Framework channel issued (401); a body that is no activity (400)', async () => {
    await adapter.start();
    expect(await adapter.webhook.verify(request({}, activity))).toMatchObject({ status: 401 });
    expect(await adapter.webhook.verify(request({ authorization: jwt({ iss: 'https://sts.windows.net/tenant/' }) }, activity))).toMatchObject({ status: 401 });
    expect(await adapter.webhook.verify(request({ authorization: 'Bearer x.y' }, activity))).toMatchObject({ status: 401 });
    // A channel token without an expiry would be good forever.
    expect(await adapter.webhook.verify(request({ authorization: jwt({ iss: CHANNEL_TOKEN_ISSUER }) }, activity))).toMatchObject({ status: 401 });
    const channelToken = { authorization: jwt({ iss: CHANNEL_TOKEN_ISSUER, exp: Math.floor(Date.now() / 1000) + 3600 }) };
    expect(await adapter.webhook.verify(request(channelToken, undefined))).toMatchObject({ status: 400 });
    expect(await adapter.webhook.verify(request(channelToken, { type: 'message' }))).toMatchObject({ status: 400 });
    expect(await adapter.webhook.verify(request(channelToken, { type: 'message', serviceUrl: '' }))).toMatchObject({ status: 400 });
    expect(await adapter.webhook.verify(request(channelToken, { serviceUrl: activity.serviceUrl }))).toMatchObject({ status: 400 });
  });
});
