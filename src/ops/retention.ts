import type { Logger } from '../log.js';
import type { RetentionStore } from '../storage/ports.js';
import type { Purged } from '../storage/types.js';
import type { Metrics } from './metrics.js';

const DAY_MS = 24 * 3600_000;

/**
 * Storage limitation (Law 91/2025/QH15): inbox rows, unanswered question texts and the conversations of people
 * who did not consent are kept RETENTION_DAYS, then purged; the anonymous counts stay. Runs at start and every
 * few hours in every instance (the deletes are idempotent).
 */
export class RetentionJob {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(private store: RetentionStore, private o: { days: number; everyMs?: number; log: Logger; metrics?: Metrics; clock?: () => number }) {}

  start(): void {
    this.running = this.runOnce();
    this.timer = setInterval(() => { this.running = this.runOnce(); }, this.o.everyMs ?? 6 * 3600_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One purge; never throws (a failure is logged and retried at the next run). */
  async runOnce(): Promise<Purged | undefined> {
    const cutoff = new Date((this.o.clock ?? Date.now)() - this.o.days * DAY_MS);
    try {
      const purged = await this.store.purgeOlderThan(cutoff);
      for (const [kind, n] of Object.entries(purged)) if (n) this.o.metrics?.retentionPurged.inc({ kind }, n);
      if (purged.inbox || purged.unanswered || purged.conversations) this.o.log.info({ ...purged, days: this.o.days }, 'retention: old records purged');
      return purged;
    } catch (err) {
      this.o.log.error({ err: { message: (err as Error)?.message } }, 'retention purge failed; retried at the next run');
      return undefined;
    }
  }
}
