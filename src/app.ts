import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Express } from 'express';
import type { Config } from './config.js';
import { createLogger, type Logger } from './log.js';
import { Engine, ENGINE_TEXTS } from './core/engine.js';
import type { Activity } from './core/ports.js';
import type { PeopleHooks } from './core/outreach.js';
import { loadQuizzes } from './quiz/bank.js';
import { QuizActivity, QUIZ_TEXTS } from './quiz/activity.js';
import { Directory } from './participation/directory.js';
import { ProfileActivity, PROFILE_TEXTS } from './participation/profile-activity.js';
import { StaffEdits } from './retrieval/staff-edits.js';
import { createAnswerer } from './retrieval/index.js';
import { Flows } from './dialog/flows.js';
import { Participation, pseudonymSecret } from './participation/recorder.js';
import { openStore } from './storage/index.js';
import type { Store } from './storage/ports.js';
import { createWebChat } from './channels/webchat.js';
import { createPlatformChannels, type Channel, type PlatformChannelOptions } from './channels/index.js';
import { createHttpServer } from './http/server.js';
import { localLock, RedisSessionLock } from './scale/session-lock.js';
import { MemoryRateLimiter, RedisRateLimiter, type RateLimiter } from './scale/rate-limit.js';
import { connectRedis } from './scale/redis.js';
import { createAdminRouter } from './admin/index.js';
import { Metrics } from './ops/metrics.js';
import { createOutreach } from './app-outreach.js';
import { OUTREACH_TEXTS } from './outreach/index.js';
import { announceStart } from './ops/announce.js';
import { RetentionJob } from './ops/retention.js';
import { createScamCheck, loadScamKnowledge, SCAM_TEXTS } from './scam/index.js';

export interface App {
  url: string;
  server: Server;
  log: Logger;
  metrics: Metrics;
  stop(): Promise<void>;
}

/** Builds every service from the config and starts listening. The composition root calls only this. */
export async function startApp(
  config: Config, log: Logger = createLogger(config.LOG_LEVEL), options: { channels?: PlatformChannelOptions } = {},
): Promise<App> {
  const { dialog, quizzes, directory, store, secret, metrics, recorder, scamKnowledge } = await openFoundation(config);
  const retention = new RetentionJob(store.retention, { days: config.RETENTION_DAYS, log, metrics });
  const { outreach, activities: outreachActivities, admin: outreachAdmin } = createOutreach({ config, store, dialog, recorder, secret, metrics, log });

  let ready = false;
  const { answerer, index } = await createAnswerer(config, log);
  const knowledge = new StaffEdits({ edits: store.knowledge, unanswered: store.participation, index, answerer, log, syncMs: config.KNOWLEDGE_SYNC_MS });
  await knowledge.start();
  const scam = createScamCheck({ config, dialog, recorder, knowledge: scamKnowledge, metrics, log });
  const activities: Activity[] = [
    ...outreachActivities,
    scam.activity,
    new ProfileActivity({
      dialog, store: store.participation, recorder, directory, quizTitles: new Map(quizzes.map((q) => [q.id, q.title])),
      more: (key) => outreach.describe(key), retentionDays: config.RETENTION_DAYS,
    }),
    new QuizActivity(quizzes, { dialog, store: store.participation, recorder, passRatio: config.QUIZ_PASS_RATIO }),
  ];
  const redis = config.REDIS_URL ? connectRedis(config.REDIS_URL) : undefined;
  const rateLimiter = redis ? new RedisRateLimiter(redis) : new MemoryRateLimiter();
  const engine = new Engine({
    dialog, states: store.conversations, answerer, recorder, activities, lock: redis ? new RedisSessionLock(redis) : localLock,
    maxTextLength: config.MAX_TEXT_LENGTH, trace: (fields, msg) => log.debug(fields, msg),
  });

  const platforms = createPlatformChannels({ config, engine, store, log, metrics, people: outreach.people }, options.channels);
  outreach.attach(platforms);
  const channels: Channel[] = [webChat({ engine, config, limiter: rateLimiter, store, recorder, metrics, people: outreach.people }), ...platforms];
  const { app } = createHttpServer({
    config, log, channels, metrics,
    isReady: async () => ready && (await store.ping().then(() => true, () => false)),
    publicDir: fileURLToPath(new URL('../public', import.meta.url)),
    extraRouters: [createAdminRouter({ config, staff: store.staff, participation: store.participation, directory, quizzes, log, limiter: rateLimiter, outreach: outreachAdmin, knowledge })],
  });

  const { server, url } = await listen(app, config);
  for (const c of channels) await c.start?.();
  await outreach.start();
  ready = true;
  retention.start();
  await announceStart(log, { url, config, staff: store.staff, storage: store.kind, channels: channels.map((c) => c.name) });

  let stopping: Promise<void> | undefined;
  // In the order of the data flow: no new requests, no new sends, then what is in flight, then the stores.
  const stop = () => (stopping ??= (async () => {
    ready = false;
    await closeServer(server, config.SHUTDOWN_TIMEOUT_MS);
    for (const part of [outreach, ...channels, retention, knowledge, { stop: () => engine.drain() }, scam]) await part.stop?.();
    await redis?.quit().catch(() => undefined);
    await store.close();
    log.info('stopped');
  })());
  return { url, server, log, metrics, stop };
}

/** Content, the store (migrated) and what records participation: everything the engine and the channels stand on. */
async function openFoundation(config: Config) {
  fs.mkdirSync(config.dataDir, { recursive: true });
  // Content first: a broken file stops the start before anything is opened.
  const dialog = Flows.load(config.flowsDir, [...ENGINE_TEXTS, ...QUIZ_TEXTS, ...PROFILE_TEXTS, ...OUTREACH_TEXTS, ...SCAM_TEXTS]);
  const quizzes = loadQuizzes(config.knowledgeDir);
  const scamKnowledge = loadScamKnowledge(config.knowledgeDir);
  const directory = Directory.load(config.knowledgeDir);
  const store = await openStore(config);
  await store.migrate();
  const secret = await pseudonymSecret(store.settings, config.PSEUDONYM_SECRET);
  const metrics = new Metrics();
  const recorder = new Participation(store.participation, secret, { unanswered: () => metrics.unanswered.inc() });
  await store.conversations.rekeyLegacy((id) => recorder.legacyKey(id));
  metrics.watchInbox(() => store.inbox.countPending());
  return { dialog, quizzes, directory, store, secret, metrics, recorder, scamKnowledge };
}

function webChat(o: { engine: Engine; config: Config; limiter: RateLimiter; store: Store; recorder: Participation; metrics: Metrics; people: PeopleHooks }): Channel {
  return createWebChat({
    engine: o.engine, config: o.config, limiter: o.limiter, people: o.people, observe: (seconds, replies) => o.metrics.observeWebReply(seconds, replies),
    known: async (userId) => (await o.store.conversations.getState(o.recorder.userKey('web', userId))) !== undefined,
  });
}

async function listen(app: Express, config: Config): Promise<{ server: Server; url: string }> {
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.PORT, config.HOST, () => resolve(s));
    s.once('error', reject);
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return { server, url: `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${addr.port}` };
}

/** Stops taking requests and lets in-flight ones finish, cutting connections left after the grace period. */
async function closeServer(server: Server, graceMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), graceMs);
  await closed;
  clearTimeout(timer);
}
