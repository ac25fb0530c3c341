import type { ProactiveChannel } from '../core/outreach.js';
import type { Activity } from '../core/ports.js';
import { BroadcastRunner } from './broadcast-runner.js';
import { Broadcasts } from './broadcasts.js';
import { ChannelRegistry } from './channels.js';
import type { OutreachContext } from './context.js';
import { HandoffActivity } from './handoff-activity.js';
import { HandoffDesk } from './handoff-desk.js';
import type { JobQueue } from './jobs.js';
import { People } from './people.js';
import { SubscriptionActivity } from './subscription-activity.js';

export { OUTREACH_TEXTS } from './context.js';
export type { OutreachObserver, OutreachSettings } from './context.js';
export { BullJobs, LocalJobs, deploymentId } from './jobs.js';
export type { Broadcasts } from './broadcasts.js';
export type { HandoffDesk } from './handoff-desk.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Campaign outreach and human handoff: subscriptions and handoff as activities of the dialogue, announcements
 * sent by jobs, the staff's inbox. Built before the platform channels (they need `people`), given them by `attach`.
 */
export class Outreach {
  readonly channels = new ChannelRegistry();
  readonly people: People;
  readonly broadcasts: Broadcasts;
  readonly desk: HandoffDesk;
  readonly activities: Activity[];
  private readonly ctx: OutreachContext;
  private timer?: NodeJS.Timeout;
  private checking?: Promise<void>;

  constructor(ctx: Omit<OutreachContext, 'channels'>, private jobs: JobQueue, private checkEveryMs: number) {
    // Content errors stop the start, not a conversation: the flows must have the outreach nodes.
    for (const node of ['subscribe', 'unsubscribe', 'handoff', 'handoff_end']) ctx.dialog.node(node);
    this.ctx = { ...ctx, channels: this.channels };
    this.people = new People(this.ctx);
    this.broadcasts = new Broadcasts(this.ctx, jobs);
    this.desk = new HandoffDesk(this.ctx);
    // Handoff first: while staff hold a conversation, its activity sees typed text before any other.
    this.activities = [new HandoffActivity(this.ctx, (h) => this.desk.announce(h)), new SubscriptionActivity(this.ctx)];
  }

  attach(channels: ProactiveChannel[]): void {
    this.channels.attach(channels);
  }

  /** Lines for "Dữ liệu của tôi". */
  describe(userKey: string): Promise<string[]> {
    return SubscriptionActivity.describe(this.ctx, userKey);
  }

  async start(): Promise<void> {
    if (this.ctx.settings.staffChatId && !this.channels.get('telegram')) {
      this.ctx.log.warn('STAFF_TELEGRAM_CHAT_ID is set but Telegram is off: staff are not told of new conversations there');
    }
    const runner = new BroadcastRunner(this.ctx);
    await this.jobs.start((id, signal) => runner.run(id, signal));
    await this.check();
    this.timer = setInterval(() => void this.check(), this.checkEveryMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.checking;
    await this.jobs.stop();
  }

  /** Periodic upkeep, safe on every instance at once: resume announcements, return unanswered conversations, expire old "later"s. */
  check(): Promise<void> {
    this.checking ??= (async () => {
      await this.broadcasts.resume();
      await this.desk.expire();
      await this.ctx.stores.broadcasts.expireLater(new Date(Date.now() - this.ctx.settings.laterDays * DAY_MS), new Date());
    })().catch((err: unknown) => this.ctx.log.error({ err: (err as Error).message }, 'outreach upkeep failed'))
      .finally(() => (this.checking = undefined));
    return this.checking;
  }
}
