import crypto from 'node:crypto';
import type { Logger } from '../log.js';

export type JobHandler = (id: string, signal: AbortSignal) => Promise<void>;

/** Runs announcement jobs by id: at most one job per id at a time on this queue. */
export interface JobQueue {
  start(handler: JobHandler): Promise<void>;
  /** Queues the job unless it is queued or running already. */
  add(id: string): Promise<void>;
  stop(): Promise<void>;
}

/** The embedded default: jobs run in this process; one per id. */
export class LocalJobs implements JobQueue {
  private handler?: JobHandler;
  private running = new Map<string, Promise<void>>();
  private abort = new AbortController();

  constructor(private log: Logger) {}

  async start(handler: JobHandler): Promise<void> {
    this.handler = handler;
  }

  async add(id: string): Promise<void> {
    if (!this.handler || this.running.has(id) || this.abort.signal.aborted) return;
    const run = this.handler(id, this.abort.signal)
      .catch((err: unknown) => this.log.error({ broadcast: id, err: (err as Error).message }, 'announcement job failed; it resumes at the next check'))
      .finally(() => this.running.delete(id));
    this.running.set(id, run);
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.allSettled([...this.running.values()]);
  }
}

/**
 * Scaled out: BullMQ on the shared Redis. A job per announcement (its id is the job id, so it is queued once);
 * each instance works one job at a time; a job whose instance died is taken over by another once its lock
 * lapses. The deliveries' own leases in the database still decide who sends what.
 */
export class BullJobs implements JobQueue {
  private queue?: import('bullmq').Queue;
  private worker?: import('bullmq').Worker;
  private abort = new AbortController();

  constructor(private o: { redisUrl: string; deployment: string; lockMs: number; log: Logger }) {}

  async start(handler: JobHandler): Promise<void> {
    // Loaded only when scaled out: the embedded default never needs it.
    const { Queue, Worker } = await import('bullmq');
    const connection = { url: this.o.redisUrl };
    // One queue per deployment (named from its shared secret): test runs or two sites on one Redis never mix jobs.
    const prefix = `bdhvs-${this.o.deployment}`;
    this.queue = new Queue('announcements', { connection, prefix });
    this.worker = new Worker('announcements', async (job) => handler(String(job.data.id), this.abort.signal), {
      connection, prefix, concurrency: 1, lockDuration: Math.max(this.o.lockMs, 1000),
      stalledInterval: Math.max(this.o.lockMs, 1000), maxStalledCount: 1000,
    });
    this.worker.on('error', (err) => this.o.log.warn({ err: err.message }, 'announcement queue error'));
    this.worker.on('failed', (job, err) => this.o.log.error({ broadcast: job?.data?.id, err: err.message }, 'announcement job failed; it resumes at the next check'));
  }

  async add(id: string): Promise<void> {
    await this.queue?.add('send', { id }, { jobId: id, removeOnComplete: true, removeOnFail: true });
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.worker?.close();
    await this.queue?.close();
  }
}

/** A short name of the deployment, the same on every instance (they share the pseudonym secret). */
export function deploymentId(secret: string): string {
  return crypto.createHash('sha256').update(`jobs:${secret}`).digest('hex').slice(0, 12);
}
