import crypto from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { PlatformChannelOptions } from '../../src/channels/index.js';
import { loadConfig } from '../../src/config.js';
import {
  BF_APP_ID, BF_APP_PASSWORD, BF_TENANT_ID, bfMembersAdded, bfMessage, FakeBotFramework, type BfSent,
} from '../helpers/fake-botframework.js';
import { freshDataDir, infoLogs, metric, startBot, type Bot } from '../helpers/fake-server.js';
import { waitFor } from '../helpers/wait.js';
import { spawnServer } from '../helpers/server-process.js';

let fake: FakeBotFramework;
let bot: Bot | undefined;

const env = (extra: Record<string, string> = {}) => ({
  MICROSOFT_APP_ID: BF_APP_ID, MICROSOFT_APP_PASSWORD: BF_APP_PASSWORD,
  BOTFRAMEWORK_OPENID_METADATA_URL: fake.openIdMetadataUrl, BOTFRAMEWORK_LOGIN_URL: fake.loginUrl,
  ...extra,
});
const start = async (opts: { dataDir?: string; channels?: PlatformChannelOptions; env?: Record<string, string> } = {}) =>
  (bot = await startBot(env(opts.env), opts));
const deliver = (b: Bot, activity: Record<string, unknown>, token: string | null = fake.sign()) =>
  b.post('/api/messages', JSON.stringify(activity), token === null ? {} : { authorization: `Bearer ${token}` });
const card = (s: BfSent) => s.activity.attachments?.[0];
const MENU_LIST = '1. Hỏi đáp\n2. Kiểm tra tin lừa đảo\n3. Làm bài kiểm tra kỹ năng số\n4. Đăng ký đoàn thể/đơn vị\n5. Nhận thông báo\n6. Gặp cán bộ\n7. Hướng dẫn\n8. Dừng nhận thông báo';
/** The menu: more choices than a hero card holds, so listed with numbers. */
const MENU = `Bạn muốn làm gì?\n\n${MENU_LIST}\nTrả lời một số từ 1 đến 8.`;
const payloads = (s: BfSent) => card(s)?.content.buttons?.map((b) => (b.value as { payload: string }).payload);


beforeAll(async () => { fake = await FakeBotFramework.start(); });
afterAll(async () => { await fake.close(); });
afterEach(async () => {
  await bot?.stop();
  bot = undefined;
  fake.reset();
});

describe('Bot Framework channel (Teams, Web Chat)', () => {
  it('refuses a genuinely signed token without expiry, and nothing is sent', async () => {
    const b = await start();
    const res = await deliver(b, bfMessage(fake, { user: '29:1noexp', text: 'menu' }), fake.sign({ claims: { exp: undefined } }));
    expect(res.status).toBe(401);
    expect((await deliver(b, bfMessage(fake, { user: '29:1noexp', text: 'menu' }), fake.sign({ claims: { exp: 'soon' } }))).status).toBe(401);
    await deliver(b, bfMessage(fake, { user: '29:1noexp', text: 'hướng dẫn' }));
    await waitFor(() => fake.sent.length >= 1, 'the genuine reply');
    expect(fake.sent.map((x) => x.activity.text?.slice(0, 12))).toEqual(['Cách dùng tr']);
  });

  it('acknowledges a signed conversationUpdate whose membersAdded is not a list with 200, answering nothing', async () => {
    const b = await start();
    for (const membersAdded of [{ id: '29:1mal' }, 'x', 42, null, [null, 7, { id: 3 }]]) {
      const res = await deliver(b, { ...bfMembersAdded(fake, { user: '29:1mal' }), membersAdded });
      expect(res.status, JSON.stringify(membersAdded)).toBe(200);
    }
    await deliver(b, bfMessage(fake, { user: '29:1mal', text: 'menu' }));
    await waitFor(() => fake.sent.length >= 1, 'the genuine reply');
    expect(fake.sent).toHaveLength(1);
    expect(fake.sent[0]!.activity.text).toMatch(/^Bạn muốn làm gì\?\n\n1\. Hỏi đáp\n/);
  });

  it('greets a person who opens the chat with the menu as a hero card, sent with the bot\'s own token', async () => {
    const b = await start();
    const update = bfMembersAdded(fake, { user: '29:1alice', channelId: 'webchat', conversationType: undefined });
    const res = await deliver(b, update);
    expect(res.status).toBe(200);
    await waitFor(() => fake.sent.length >= 1, 'greeting');
    const [greeting] = fake.sent;
    expect(greeting!.conversationId).toBe('a:conv-29:1alice');
    expect(greeting!.replyTo).toBe(update.id);
    expect(greeting!.activity).toMatchObject({ type: 'message', textFormat: 'plain' });
    expect(greeting!.activity.text).toContain('Xin chào! Tôi là trợ lý "Bình dân học vụ số"');
    // Seven menu choices are more than a hero card holds (6): listed with numbers.
    expect(card(greeting!)).toBeUndefined();
    expect(greeting!.activity.text).toContain(MENU_LIST);
    // Fewer choices come as a hero card of messageBack buttons.
    await deliver(b, bfMessage(fake, { user: '29:1alice', channelId: 'webchat', value: { payload: 'REGISTER' } }));
    await waitFor(() => fake.sent.length >= 2, 'consent');
    const hero = card(fake.sent[1]!)!;
    expect(hero.contentType).toBe('application/vnd.microsoft.card.hero');
    expect(hero.content.buttons).toEqual([
      { type: 'messageBack', title: 'Tôi đồng ý', text: 'Tôi đồng ý', displayText: 'Tôi đồng ý', value: { payload: 'REG:consent:yes' } },
      { type: 'messageBack', title: 'Không đồng ý', text: 'Không đồng ý', displayText: 'Không đồng ý', value: { payload: 'REG:consent:no' } },
    ]);
    fake.sent.splice(1);
    // The bot's outbound token: client credentials for the Bot Connector scope, multi-tenant login tenant.
    expect(fake.tokenRequests).toEqual([{
      tenant: 'botframework.com', grant_type: 'client_credentials', client_id: BF_APP_ID,
      client_secret: BF_APP_PASSWORD, scope: 'https://api.botframework.com/.default',
    }]);
    expect(fake.unauthorizedSends).toHaveLength(0);

    // A Teams personal install announces only the bot; the person who installed it is greeted.
    await deliver(b, bfMembersAdded(fake, { user: '29:1bob', botOnly: true }));
    await waitFor(() => fake.sent.length >= 2, 'greeting after install');
    expect(fake.sent[1]!.conversationId).toBe('a:conv-29:1bob');
    expect(fake.sent[1]!.activity.text).toContain(MENU_LIST);
    expect(fake.tokenRequests).toHaveLength(1); // cached
  });

  it('routes a button press as its payload, whatever text comes with it; typed text and attachments as usual', async () => {
    const b = await start();
    // messageBack from the hero card: Teams sends the button's text and its value.
    await deliver(b, bfMessage(fake, { user: '29:1carol', text: 'Hỏi đáp', value: { payload: 'HELP' } }));
    await waitFor(() => fake.sent.length >= 1, 'help');
    expect(fake.sent[0]!.activity.text).toContain('Cách dùng trợ lý');
    // An Adaptive Card Action.Submit: only the value.
    await deliver(b, bfMessage(fake, { user: '29:1carol', value: { payload: 'MENU' } }));
    await waitFor(() => fake.sent.length >= 2, 'menu');
    expect(fake.sent[1]!.activity.text).toBe(MENU);
    // Typed text (with Teams' copy of it as an html attachment) and a picture alone.
    await deliver(b, bfMessage(fake, { user: '29:1carol', text: 'hỏi đáp', attachments: [{ contentType: 'text/html', content: '<p>hỏi đáp</p>' }] }));
    await waitFor(() => fake.sent.length >= 3, 'ask');
    expect(fake.sent[2]!.activity.text).toMatch(/^Mời bạn gõ câu hỏi/);
    await deliver(b, bfMessage(fake, { user: '29:1carol', attachments: [{ contentType: 'image/png', contentUrl: 'https://example.invalid/a.png' }] }));
    await waitFor(() => fake.sent.length >= 4, 'unsupported');
    expect(fake.sent[3]!.activity.text).toMatch(/^Xin lỗi, tôi chưa đọc được loại tin này/);
    expect(fake.sent.every((s) => s.conversationId === 'a:conv-29:1carol')).toBe(true);
  });

  it('refuses unsigned, forged, misaddressed and expired tokens with 401 and sends nothing', async () => {
    const b = await start();
    const activity = bfMessage(fake, { user: '29:1mallory', text: 'menu' });
    const now = Math.floor(Date.now() / 1000);
    const otherKey = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const refused: [string, string | null][] = [
      ['no token', null],
      ['not a JWT', 'abc.def'],
      ['unsigned (alg none)', fake.sign({ alg: 'none' })],
      ['signed with another key under the published key id', fake.sign({ key: otherKey })],
      ['signed with an unknown key id', fake.sign({ key: otherKey, kid: 'attacker-key' })],
      ['for another bot', fake.sign({ claims: { aud: crypto.randomUUID() } })],
      ['from another issuer', fake.sign({ claims: { iss: 'https://sts.windows.net/d6d49420-f39b-4df7-a1dc-d59a935871db/' } })],
      ['for another service URL (where replies would go)', fake.sign({ claims: { serviceurl: 'http://127.0.0.1:9/evil/' } })],
      ['without a service URL claim', fake.sign({ claims: { serviceurl: undefined } })],
      ['expired', fake.sign({ claims: { exp: now - 3600, nbf: now - 7200, iat: now - 7200 } })],
      ['a skill token', fake.sign({ claims: { ver: '1.0', appid: crypto.randomUUID() } })],
    ];
    for (const [what, token] of refused) {
      const res = await deliver(b, activity, token);
      expect(res.status, what).toBe(401);
    }
    // A channel the signing key does not endorse.
    expect((await deliver(b, { ...activity, channelId: 'slack' })).status).toBe(401);
    // Basic scheme, and a genuine token with the activity moved to another service URL.
    expect((await b.post('/api/messages', JSON.stringify(activity), { authorization: `Basic ${Buffer.from(`${BF_APP_ID}:${BF_APP_PASSWORD}`).toString('base64')}` })).status).toBe(401);
    expect((await deliver(b, { ...activity, serviceUrl: 'http://127.0.0.1:9/evil/' })).status).toBe(401);

    // The same activity, genuinely signed, is answered: the refusals stored nothing (not even its id).
    expect((await deliver(b, activity)).status).toBe(200);
    await waitFor(() => fake.sent.length >= 1, 'genuine reply');
    expect(fake.texts()).toEqual([MENU]);
    expect(fake.connectorCalls).toHaveLength(1);
    expect(JSON.stringify(infoLogs(b))).not.toContain(BF_APP_PASSWORD);
  });

  it('answers 503 while the signing keys cannot be fetched, stores nothing, and takes the redelivery', async () => {
    // A metadata address of its own, so that no earlier test's cached keys are used.
    const b = await start({ env: { BOTFRAMEWORK_OPENID_METADATA_URL: `${fake.openIdMetadataUrl}?case=keys-down` } });
    fake.server.fail((r) => r.path === '/v1/.well-known/openidconfiguration', { status: 500, json: { error: 'down' } });
    const activity = bfMessage(fake, { user: '29:1keys', text: 'menu' });
    const res = await deliver(b, activity);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect((await deliver(b, activity)).status).toBe(200);
    await waitFor(() => fake.sent.length >= 1, 'the answer');
    expect(fake.texts()).toEqual([MENU]);
  });

  it('answers a redelivered activity once, also when the copies arrive together and after a restart', async () => {
    const first = await start();
    const activity = bfMessage(fake, { user: '29:1dave', text: 'menu' });
    const statuses = await Promise.all([deliver(first, activity), deliver(first, activity), deliver(first, activity)].map((p) => p.then((r) => r.status)));
    expect(statuses).toEqual([200, 200, 200]);
    await deliver(first, bfMessage(fake, { user: '29:1dave', text: 'hướng dẫn' }));
    await waitFor(() => fake.sent.length >= 2, 'two replies');
    await first.stop();
    bot = undefined;
    const second = await start({ dataDir: first.dataDir });
    await deliver(second, activity);
    // The same id in another conversation is another message (Teams ids are unique per conversation only).
    await deliver(second, bfMessage(fake, { user: '29:1erin', id: String(activity.id), text: 'hỏi đáp' }));
    await waitFor(() => fake.sent.length >= 3, 'reply after restart');
    expect(fake.texts().map((t) => t.slice(0, 12))).toEqual(['Bạn muốn làm', 'Cách dùng tr', 'Mời bạn gõ c']);
    expect(fake.sent[2]!.conversationId).toBe('a:conv-29:1erin');
  });

  it('loses nothing to a crash after the 200: the stored activity is answered once after the restart', async () => {
    const dataDir = freshDataDir();
    // The connector is slow: the reply is on its way when the server is killed.
    const hold = fake.server.hold((r) => r.path.includes('/v3/conversations/'));
    // Short inbox leases: the killed server's lease on the message runs out quickly for the restarted one.
    const shortLease = { INBOX_LEASE_MS: '500', INBOX_SWEEP_MS: '20' };
    const server = spawnServer({ ...env(shortLease), DATA_DIR: dataDir });
    try {
      const url = await server.url();
      const activity = bfMessage(fake, { user: '29:1liam', text: 'menu' });
      const post = (a: Record<string, unknown>) =>
        fetch(`${url}/api/messages`, { method: 'POST', body: JSON.stringify(a), headers: { 'content-type': 'application/json', authorization: `Bearer ${fake.sign()}` } });
      expect((await post(activity)).status).toBe(200);
      await waitFor(() => hold.waiting === 1, 'the reply to reach the connector');
      await server.kill();
      await waitFor(() => hold.waiting === 0, 'the killed server\'s request to drop');
      hold.release();
      expect(fake.sent).toHaveLength(0);

      // Replayed from the stored activity: same conversation, as a reply to the person's message.
      const b = await start({ dataDir, env: shortLease });
      await waitFor(() => fake.sent.length >= 1, 'the replayed answer');
      expect(fake.sent[0]).toMatchObject({ conversationId: 'a:conv-29:1liam', replyTo: activity.id, activity: { text: MENU } });
      // The channel delivers it again: stored already, dropped.
      expect((await deliver(b, activity)).status).toBe(200);
      expect((await deliver(b, bfMessage(fake, { user: '29:1liam', text: 'hướng dẫn' }))).status).toBe(200);
      await waitFor(() => fake.sent.length >= 2, 'the next answer');
      await b.stop();
      bot = undefined;
      expect(fake.texts().map((t) => t.slice(0, 12))).toEqual(['Bạn muốn làm', 'Cách dùng tr']);
    } finally {
      hold.release();
      await server.kill();
    }
  });

  it('keeps one person\'s replies in order', async () => {
    const b = await start();
    const texts = ['menu', 'hướng dẫn', 'hỏi đáp', 'menu'];
    for (const text of texts) expect((await deliver(b, bfMessage(fake, { user: '29:1frank', text }))).status).toBe(200);
    await waitFor(() => fake.sent.length >= 4, 'four replies');
    expect(fake.texts().map((t) => t.slice(0, 12))).toEqual(['Bạn muốn làm', 'Cách dùng tr', 'Mời bạn gõ c', 'Bạn muốn làm']);
  });

  it('splits a long text and puts the hero card on the last part', async () => {
    const b = await start({ channels: { textLimit: { botframework: 200 } } });
    // The consent question: a long text with two buttons.
    await deliver(b, bfMessage(fake, { user: '29:1grace', text: 'đăng ký' }));
    await waitFor(() => fake.sent.length >= 2 && card(fake.sent.at(-1)!), 'parts');
    expect(fake.sent.every((s) => (s.activity.text ?? '').length <= 200)).toBe(true);
    expect(fake.sent.slice(0, -1).every((s) => !s.activity.attachments)).toBe(true);
    expect(payloads(fake.sent.at(-1)!)).toEqual(['REG:consent:yes', 'REG:consent:no']);
    expect(fake.texts().join(' ').replace(/\s+/g, ' ')).toContain('Bạn có đồng ý không?');
  });

  it('lists more than 6 choices as numbered text and maps a typed number back to the choice', async () => {
    const b = await start();
    await deliver(b, bfMessage(fake, { user: '29:1heidi', value: { payload: 'REGISTER' } }));
    await waitFor(() => fake.sent.length >= 1, 'consent');
    expect(payloads(fake.sent[0]!)).toEqual(['REG:consent:yes', 'REG:consent:no']);
    await deliver(b, bfMessage(fake, { user: '29:1heidi', text: 'Tôi đồng ý', value: { payload: 'REG:consent:yes' } }));
    await waitFor(() => fake.sent.length >= 2, 'organisations');
    const organisations = fake.sent[1]!.activity;
    expect(organisations.attachments).toBeUndefined();
    expect(organisations.text).toContain('\n1. Mặt trận Tổ quốc\n2. Đoàn Thanh niên\n');
    await deliver(b, bfMessage(fake, { user: '29:1heidi', text: '2' }));
    await waitFor(() => fake.sent.length >= 3, 'units');
    const areas = fake.sent[2]!.activity;
    expect(areas.attachments).toBeUndefined();
    expect(areas.text).toContain('\n1. Huyện Than Uyên cũ\n2. Huyện Tân Uyên cũ\n3. Huyện Tam Đường cũ\n');
    expect(areas.text).toMatch(/Trả lời một số từ 1 đến 9\.$/);
    await deliver(b, bfMessage(fake, { user: '29:1heidi', text: '3' }));
    await waitFor(() => fake.sent.length >= 4, 'communes of the old district');
    expect(fake.sent[3]!.activity.text).toContain('\n1. Xã Bản Bo\n2. Xã Bình Lư\n');
    await deliver(b, bfMessage(fake, { user: '29:1heidi', text: '2' }));
    await waitFor(() => fake.sent.length >= 5, 'registration done');
    expect(fake.sent[4]!.activity.text).toMatch(/^Đã ghi nhận: Đoàn Thanh niên, xã Bình Lư\./);
  });

  it('leaves group chats and Teams channels alone, and acknowledges other activity types', async () => {
    const b = await start();
    expect((await deliver(b, bfMessage(fake, { user: '29:1ivan', text: 'menu', conversationType: 'groupChat', conversationId: '19:group@thread.v2' }))).status).toBe(200);
    expect((await deliver(b, { ...bfMessage(fake, { user: '29:1ivan' }), type: 'typing' })).status).toBe(200);
    expect((await deliver(b, bfMessage(fake, { user: '29:1ivan', text: 'hướng dẫn' }))).status).toBe(200);
    await waitFor(() => fake.sent.length >= 1, 'reply to the personal chat');
    expect(fake.texts().map((t) => t.slice(0, 12))).toEqual(['Cách dùng tr']);
  });

  it('uses the tenant\'s login endpoint for a single-tenant bot', async () => {
    const b = await start({ env: { MICROSOFT_APP_TYPE: 'singletenant', MICROSOFT_APP_TENANT_ID: BF_TENANT_ID } });
    await deliver(b, bfMessage(fake, { user: '29:1judy', text: 'menu' }));
    await waitFor(() => fake.sent.length >= 1, 'reply');
    expect(fake.tokenRequests.map((t) => t.tenant)).toEqual([BF_TENANT_ID]);
  });

  it('records a send the connector refuses and goes on with the next message', async () => {
    const b = await start();
    fake.server.fail((r) => r.path.includes('/v3/conversations/'), { status: 403, json: { error: { code: 'BotNotInConversationRoster', message: 'The bot is not part of the conversation roster.' } } });
    await deliver(b, bfMessage(fake, { user: '29:1ken', text: 'hello' }));
    await waitFor(async () => (await metric(b, 'bot_send_errors_total', { channel: 'botframework', class: 'permanent' })) === 1, 'the give-up');
    await deliver(b, bfMessage(fake, { user: '29:1ken', text: 'menu' }));
    await waitFor(() => fake.sent.length >= 1, 'later reply');
    expect(fake.texts()).toEqual([MENU]);
    expect(await metric(b, 'bot_messages_sent_total', { channel: 'botframework', outcome: 'failed' })).toBe(1);
    expect(JSON.stringify(infoLogs(b))).not.toMatch(/hello|Xin chào|bot-token-|test~bot~password/);
  });

  it('is off without credentials: logged once, no endpoint', async () => {
    const off = await startBot({ MICROSOFT_APP_ID: BF_APP_ID });
    bot = off;
    const lines = off.logs.filter((l) => l.channel === 'botframework');
    expect(lines).toEqual([expect.objectContaining({ msg: 'channel off: credentials not set', missing: ['MICROSOFT_APP_PASSWORD'] })]);
    expect((await deliver(off, bfMessage(fake, { text: 'menu' }))).status).toBe(404);
    await off.stop();
    const none = await startBot({});
    bot = none;
    expect(none.logs.filter((l) => l.channel === 'botframework')).toEqual([expect.objectContaining({ msg: 'channel off: credentials not set', missing: ['MICROSOFT_APP_ID', 'MICROSOFT_APP_PASSWORD'] })]);
    await none.stop();
    const single = await startBot({ MICROSOFT_APP_ID: BF_APP_ID, MICROSOFT_APP_PASSWORD: BF_APP_PASSWORD, MICROSOFT_APP_TYPE: 'SingleTenant' });
    bot = single;
    expect(single.logs.filter((l) => l.channel === 'botframework')).toEqual([expect.objectContaining({ msg: 'channel off: credentials not set', missing: ['MICROSOFT_APP_TENANT_ID'] })]);
    expect(fake.server.requests).toHaveLength(0);
  });
});

describe('Bot Framework settings', () => {
  it('reads the app type in any letter case, defaults to MultiTenant and the public endpoints, and names a wrong value', () => {
    const defaults = loadConfig({ MICROSOFT_APP_ID: '', MICROSOFT_APP_PASSWORD: '', MICROSOFT_APP_TYPE: '' });
    expect(defaults).toMatchObject({
      MICROSOFT_APP_TYPE: 'MultiTenant',
      BOTFRAMEWORK_OPENID_METADATA_URL: 'https://login.botframework.com/v1/.well-known/openidconfiguration',
      BOTFRAMEWORK_LOGIN_URL: 'https://login.microsoftonline.com',
    });
    expect(defaults.MICROSOFT_APP_ID).toBeUndefined();
    expect(defaults.MICROSOFT_APP_PASSWORD).toBeUndefined();
    expect(loadConfig({ MICROSOFT_APP_TYPE: ' userassignedmsi ' }).MICROSOFT_APP_TYPE).toBe('UserAssignedMSI');
    expect(loadConfig({ MICROSOFT_APP_TYPE: 'SINGLETENANT' }).MICROSOFT_APP_TYPE).toBe('SingleTenant');
    expect(() => loadConfig({ MICROSOFT_APP_TYPE: 'Tenant' })).toThrow(/MICROSOFT_APP_TYPE: MultiTenant, SingleTenant hoặc UserAssignedMSI/);
    expect(() => loadConfig({ BOTFRAMEWORK_LOGIN_URL: 'login.microsoftonline.com' })).toThrow(/BOTFRAMEWORK_LOGIN_URL/);
  });
});
