import type { Config } from './config.js';
import type { Dialog } from './core/ports.js';
import type { Logger } from './log.js';
import type { Metrics } from './ops/metrics.js';
import { BullJobs, deploymentId, LocalJobs, Outreach } from './outreach/index.js';
import type { Recorder } from './core/ports.js';
import type { Store } from './storage/ports.js';
import type { Activity } from './core/ports.js';
import type { AdminDeps } from './admin/deps.js';
import { ArticleActivity } from './retrieval/article-activity.js';
import { loadArticles } from './retrieval/knowledge.js';

/**
 * Builds campaign outreach and human handoff from the config (part of the composition root): announcement
 * jobs on BullMQ when REDIS_URL is set, in this process otherwise; its counters and gauges in /metrics.
 */
export function createOutreach(o: { config: Config; store: Store; dialog: Dialog; recorder: Recorder; secret: string; metrics: Metrics; log: Logger }):
  { outreach: Outreach; activities: Activity[]; admin: NonNullable<AdminDeps['outreach']> } {
  const { config, store, metrics, log } = o;
  const jobs = config.REDIS_URL
    ? new BullJobs({ redisUrl: config.REDIS_URL, deployment: deploymentId(o.secret), lockMs: config.INBOX_LEASE_MS, log })
    : new LocalJobs(log);
  const outreach = new Outreach({
    dialog: o.dialog, stores: store.outreach, participation: store.participation, keyOf: (c, u) => o.recorder.userKey(c, u), log,
    settings: {
      leaseMs: config.INBOX_LEASE_MS, laterDays: config.BROADCAST_LATER_DAYS, handoffTimeoutHours: config.HANDOFF_TIMEOUT_HOURS,
      staffChatId: config.STAFF_TELEGRAM_CHAT_ID, publicUrl: config.PUBLIC_BASE_URL?.replace(/\/+$/, ''),
    },
    observe: {
      recipient: (channel, result) => metrics.broadcastRecipients.inc({ channel, result }),
      handoffAnswered: (seconds) => metrics.handoffWait.observe(seconds),
    },
  }, jobs, config.INBOX_SWEEP_MS);
  metrics.gauge('bot_subscribers', 'Subscribers to announcements by channel and status (active, unsubscribed, gone)', ['channel', 'status'], async (set) => {
    for (const r of await store.outreach.subscriptions.countSubscriptions()) set({ channel: r.channel, status: r.status }, r.count);
  });
  metrics.gauge('bot_handoffs_open', 'Conversations with staff not closed yet, by state (waiting, open)', ['state'], async (set) => {
    const counts = new Map((await store.outreach.handoffs.countHandoffs()).map((r) => [r.status, r.count]));
    for (const state of ['waiting', 'open'] as const) set({ state }, counts.get(state) ?? 0);
  });
  // Announcement buttons may open an article.
  const { articles, chunks } = loadArticles(config.knowledgeDir);
  return {
    outreach, activities: [...outreach.activities, new ArticleActivity(articles, chunks, o.dialog)],
    admin: { broadcasts: outreach.broadcasts, desk: outreach.desk, articles, dialog: o.dialog },
  };
}
