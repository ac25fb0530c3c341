/**
 * The attack classes of issue 11, tried again against the real server on loopback only (npm run bench:attacks).
 * Prints what got through; no request leaves this machine, and every loop is bounded.
 */
import crypto from 'node:crypto';
import { spawn } from 'node:child_process';
import { FakeBotFramework, BF_APP_ID, BF_APP_PASSWORD, bfMessage } from '../tests/helpers/fake-botframework.js';
import { FakeMessenger, FB_APP_SECRET, FB_PAGE_TOKEN, FB_VERIFY_TOKEN, fbBody, fbEvent, fbSign } from '../tests/helpers/fake-messenger.js';
import { FakeTelegram, TG_TOKEN, tgTextUpdate } from '../tests/helpers/fake-telegram.js';
import { FakeZalo, ZALO_APP_ID, ZALO_APP_SECRET, ZALO_OA_SECRET, zaloSign, zaloText } from '../tests/helpers/fake-zalo.js';
import { freshDataDir, metric, startBot } from '../tests/helpers/fake-server.js';
import { requestFrom } from '../tests/helpers/http-from.js';
import { hashPassword } from '../src/admin/passwords.js';
import { sqliteStore } from '../tests/helpers/stores.js';

const TG_SECRET = 'bench-tg-secret';
const TOKEN = 'bench-admin-token-0123456789';
const tally = (xs: number[]) => xs.reduce<Record<number, number>>((m, s) => ({ ...m, [s]: (m[s] ?? 0) + 1 }), {});

const [tg, fb, zl, bf] = await Promise.all([FakeTelegram.start(), FakeMessenger.start(), FakeZalo.start(), FakeBotFramework.start()]);
zl.reset(['at-live'], ['rt-1']);
const env = {
  TRUST_PROXY: '127.0.0.1', ADMIN_TOKEN: TOKEN,
  TELEGRAM_BOT_TOKEN: TG_TOKEN, TELEGRAM_WEBHOOK_SECRET: TG_SECRET, TELEGRAM_API_ROOT: tg.url,
  MESSENGER_PAGE_ACCESS_TOKEN: FB_PAGE_TOKEN, MESSENGER_APP_SECRET: FB_APP_SECRET, MESSENGER_VERIFY_TOKEN: FB_VERIFY_TOKEN, MESSENGER_GRAPH_URL: fb.graphUrl,
  ZALO_APP_ID, ZALO_APP_SECRET, ZALO_OA_SECRET_KEY: ZALO_OA_SECRET, ZALO_ACCESS_TOKEN: 'at-live', ZALO_REFRESH_TOKEN: 'rt-1', ZALO_API_URL: zl.url, ZALO_OAUTH_URL: zl.url,
  MICROSOFT_APP_ID: BF_APP_ID, MICROSOFT_APP_PASSWORD: BF_APP_PASSWORD, BOTFRAMEWORK_OPENID_METADATA_URL: bf.openIdMetadataUrl, BOTFRAMEWORK_LOGIN_URL: bf.loginUrl,
};

async function forgedWebhooks(): Promise<void> {
  const b = await startBot(env);
  const statuses: number[] = [];
  const post = async (path: string, body: string, headers: Record<string, string>) => statuses.push((await b.post(path, body, headers)).status);
  for (let i = 0; i < 4; i++) {
    const tgu = JSON.stringify(tgTextUpdate('menu', 900 + i));
    await post('/webhooks/telegram', tgu, {});
    await post('/webhooks/telegram', tgu, { 'x-telegram-bot-api-secret-token': `${TG_SECRET}x` });
    await post('/webhooks/telegram', tgu, { 'x-telegram-bot-api-secret-token': '' });
    const fbu = JSON.stringify(fbBody([fbEvent({ psid: `F${i}`, text: 'menu' })]));
    await post('/webhooks/messenger', fbu, {});
    await post('/webhooks/messenger', fbu, { 'x-hub-signature-256': fbSign(fbu, 'wrong-secret') });
    await post('/webhooks/messenger', fbu, { 'x-hub-signature-256': fbSign('{}') });
    await post('/webhooks/messenger', fbu, { 'x-hub-signature': 'sha1=00' });
    const zev = zaloText('menu', `24680000000000${i}`);
    const zu = JSON.stringify(zev);
    await post('/webhooks/zalo', zu, {});
    await post('/webhooks/zalo', zu, { 'x-zevent-signature': zaloSign(zu, String(zev.timestamp), 'wrong') });
    await post('/webhooks/zalo', zu, { 'x-zevent-signature': zaloSign('{}', String(zev.timestamp)) });
    const act = JSON.stringify(bfMessage(bf, { user: `29:1forge${i}`, text: 'menu' }));
    const forgedKey = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    await post('/api/messages', act, {});
    await post('/api/messages', act, { authorization: `Bearer ${bf.sign({ key: forgedKey })}` });
    await post('/api/messages', act, { authorization: `Bearer ${bf.sign({ claims: { exp: undefined } })}` });
    await post('/api/messages', act, { authorization: `Bearer ${bf.sign({ claims: { exp: Math.floor(Date.now() / 1000) - 600 } })}` });
    await post('/api/messages', act, { authorization: `Bearer ${bf.sign({ claims: { aud: 'someone-else' } })}` });
    await post('/api/messages', act, { authorization: `Bearer ${bf.sign({ alg: 'none' })}` });
  }
  await new Promise((r) => setTimeout(r, 500));
  const sent = tg.sent.length + fb.sent.length + zl.sent.length + bf.sent.length;
  console.log(`forged webhooks: ${statuses.filter((s) => s >= 400).length} of ${statuses.length} refused ${JSON.stringify(tally(statuses))}; replies sent: ${sent}`);
  await b.stop();
}

async function forwardedForBypass(): Promise<void> {
  const dataDir = freshDataDir();
  const side = sqliteStore(`${dataDir}/bot.sqlite`);
  await side.migrate();
  await side.staff.saveStaffUser({ username: 'target', passwordHash: await hashPassword('mat-khau-dung-rat-dai'), role: 'admin' });
  await side.close();
  const b = await startBot({ ...env, WEBCHAT_LIMIT_PER_IP: '600' }, { dataDir });
  const login: number[] = [];
  for (let i = 0; i < 30; i++) {
    login.push((await requestFrom('127.0.0.2', `${b.url}/api/admin/login`, { body: JSON.stringify({ username: 'target', password: `sai-${i}` }), headers: { 'x-forwarded-for': `198.51.100.${i}` } })).status);
  }
  const tokens: number[] = [];
  for (let i = 0; i < 40; i++) {
    tokens.push((await requestFrom('127.0.0.3', `${b.url}/api/admin/me`, { headers: { authorization: `Bearer wrong-${i}-xxxxxxxxxxxx`, 'x-forwarded-for': `203.0.113.${i}` } })).status);
  }
  const chat: number[] = [];
  for (let i = 0; i < 700; i++) {
    chat.push((await requestFrom('127.0.0.4', `${b.url}/api/chat`, { body: JSON.stringify({ userId: `xff-${i % 20}`, payload: 'MENU' }), headers: { 'x-forwarded-for': `192.0.2.${i % 250}` } })).status);
  }
  console.log(`X-Forwarded-For from one socket (TRUST_PROXY=127.0.0.1, attacker at 127.0.0.2-4): wrong passwords checked ${login.filter((s) => s === 401).length}/30 ${JSON.stringify(tally(login))}; wrong tokens checked ${tokens.filter((s) => s === 401).length}/40; chat messages served ${chat.filter((s) => s === 200).length}/700 (WEBCHAT_LIMIT_PER_IP=600, per user 30)`);

  const race = await Promise.all(Array.from({ length: 30 }, (_, i) => requestFrom('127.0.0.5', `${b.url}/api/admin/login`, {
    body: JSON.stringify({ username: 'target', password: i === 29 ? 'mat-khau-dung-rat-dai' : `sai-cung-luc-${i}` }),
  }).then((r) => r.status)));
  console.log(`30 simultaneous guesses against a limit of 5: checked ${race.filter((s) => s !== 429).length} ${JSON.stringify(tally(race))}`);
  await b.stop();
}

async function fakeWebUsers(): Promise<void> {
  const b = await startBot({ ...env, WEBCHAT_LIMIT_PER_IP: '600' });
  const started = performance.now();
  const statuses: number[] = [];
  await Promise.all(Array.from({ length: 20 }, async (_, a) => {
    for (let i = 0; i < 500; i++) {
      statuses.push((await requestFrom(`127.0.1.${a + 1}`, `${b.url}/api/chat`, { body: JSON.stringify({ userId: `fake-${a}-${i}`, text: `câu hỏi bịa số ${i} về trâu bay` }) })).status);
    }
  }));
  const s = (performance.now() - started) / 1000;
  const res = await fetch(`${b.url}/api/admin/stats`, { headers: { authorization: `Bearer ${TOKEN}` } });
  const totals = ((await res.json()) as { totals: { reached: number; webSessions: number } }).totals;
  console.log(`10,000 made-up web users from 20 addresses in ${s.toFixed(1)} s: ${statuses.filter((x) => x === 200).length} served ${JSON.stringify(tally(statuses))}; "Người được tiếp cận" ${totals.reached}, web sessions ${totals.webSessions}; unanswered kept ${await metric(b, 'bot_unanswered_total')}`);
  await b.stop();
}

/** The server in its own process, so the health checks measure its event loop, not ours. */
async function messengerBatchFreeze(): Promise<void> {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: freshDataDir(), LOG_LEVEL: 'warn', NODE_ENV: 'production', BODY_LIMIT_BYTES: '1048576', DATABASE_URL: '', REDIS_URL: '' },
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i++) {
    if (await fetch(`${url}/readyz`).then((r) => r.ok, () => false)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  for (let round = 0; round < 3; round++) {
    const raw = JSON.stringify(fbBody(Array.from({ length: 400 }, (_, i) => fbEvent({ psid: `R${round}U${i}`, text: 'menu' }))));
    let done = false;
    const t0 = performance.now();
    const batch = fetch(`${url}/webhooks/messenger`, { method: 'POST', body: raw, headers: { 'content-type': 'application/json', 'x-hub-signature-256': fbSign(raw) } })
      .then((r) => { done = true; return { status: r.status, ms: performance.now() - t0 }; });
    const health: number[] = [];
    while (!done) {
      const h = performance.now();
      await fetch(`${url}/healthz`);
      health.push(performance.now() - h);
    }
    const r = await batch;
    await new Promise((res) => setTimeout(res, 3000));
    console.log(`Messenger batch of 400 events (round ${round + 1}): answered ${r.status} in ${r.ms.toFixed(0)} ms; ${health.length} health checks meanwhile, slowest ${Math.max(...health).toFixed(0)} ms`);
  }
  child.kill('SIGTERM');
}

// `npm run bench:attacks -- freeze` runs only the named parts (forged, xff, web, freeze).
const only = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const parts: [string, () => Promise<void>][] = [['forged', forgedWebhooks], ['xff', forwardedForBypass], ['web', fakeWebUsers], ['freeze', messengerBatchFreeze]];
for (const [name, run] of parts) if (!only.length || only.includes(name)) await run();
await Promise.all([tg.close(), fb.close(), zl.close(), bf.close()]);
