import client from 'prom-client';

/**
 * The Prometheus metrics of one app instance (its own registry, so several apps in one test process do not
 * collide). Labels are channels, kinds and outcomes, never user ids.
 */
export class Metrics {
  readonly registry = new client.Registry();
  readonly received = this.counter('bot_messages_received_total', 'Messages received from citizens', ['channel']);
  readonly sent = this.counter('bot_messages_sent_total', 'Platform send calls by kind and outcome', ['channel', 'kind', 'outcome']);
  readonly sendErrors = this.counter('bot_send_errors_total', 'Send calls given up, by error class', ['channel', 'class']);
  readonly malformed = this.counter('bot_malformed_events_total', 'Signed platform events that could not be read and were dropped', ['channel']);
  readonly inboxRecovered = this.counter('bot_inbox_recovered_total', 'Stored messages picked up again: replayed at start or swept after a lease ran out', ['channel', 'how']);
  readonly inboxSweeps = this.counter('bot_inbox_sweeps_total', 'Looks for stored messages whose lease ran out', ['channel']);
  readonly processingErrors = this.counter('bot_processing_errors_total', 'Messages whose handling failed (left pending for the sweep)', ['channel']);
  readonly inboxGivenUp = this.counter('bot_inbox_given_up_total', 'Stored messages given up after repeated failed attempts', ['channel']);
  readonly unanswered = this.counter('bot_unanswered_total', 'In-scope questions the knowledge base could not answer', []);
  readonly broadcastRecipients = this.counter('bot_broadcast_recipients_total', 'Announcement recipients by channel and result (sent, failed, later, skipped)', ['channel', 'result']);
  readonly handoffWait = new client.Histogram({
    name: 'bot_handoff_wait_seconds', help: 'Time from a request for staff to their first reply', labelNames: [],
    buckets: [60, 300, 900, 1800, 3600, 7200, 14400, 28800, 86400, 259200], registers: [this.registry],
  });
  readonly replyDuration = new client.Histogram({
    name: 'bot_reply_duration_seconds', help: 'Time from a message to its replies being ready', labelNames: ['channel'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers: [this.registry],
  });
  readonly webhookDuration = new client.Histogram({
    name: 'bot_webhook_duration_seconds', help: 'Time to acknowledge a platform webhook (Zalo expects under 2 s)', labelNames: ['channel'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2], registers: [this.registry],
  });

  readonly scamChecks = this.counter('bot_scam_checks_total', 'Scam checks by channel, verdict (scam, suspicious, no_sign) and input (text, image)', ['channel', 'verdict', 'input']);
  readonly scamSignals = this.counter('bot_scam_signals_total', 'Kinds of scam signal found by the checks', ['signal']);
  readonly images = this.counter('bot_images_total', 'Images sent for a scam check, by outcome (read, unreadable, timeout, busy, too_big, ...)', ['outcome']);
  readonly imageDuration = new client.Histogram({
    name: 'bot_image_read_seconds', help: 'Time to fetch and read one image (OCR) for a scam check', labelNames: [],
    buckets: [0.25, 0.5, 1, 2, 3, 5, 8, 13, 20, 30], registers: [this.registry],
  });
  readonly retentionPurged = this.counter('bot_retention_purged_total', 'Records purged after RETENTION_DAYS, by kind', ['kind']);
  private outboxSources = new Map<string, () => number>();
  private zaloExpiry?: () => Promise<number | undefined>;

  constructor() {
    client.collectDefaultMetrics({ register: this.registry });
    const outbox = this.outboxSources;
    this.gauge('bot_outbox_pending', 'Replies queued in this process and not sent yet', ['channel'], (set) => {
      for (const [channel, read] of outbox) set({ channel }, read());
    });
    this.gauge('zalo_token_expires_in_seconds', 'Seconds until the Zalo OA access token expires (refreshed well before)', [], async (set) => {
      const at = await this.zaloExpiry?.().catch(() => undefined);
      if (at !== undefined) set({}, Math.round((at - Date.now()) / 1000));
    });
  }

  /** Messages stored in the inbox and not handled yet, per channel (read from storage when scraped). */
  watchInbox(read: () => Promise<Record<string, number>>): void {
    this.gauge('bot_inbox_pending', 'Acknowledged platform messages not handled yet', ['channel'], async (set) => {
      const counts: Record<string, number> = await read().catch(() => ({}));
      // Every channel that is on shows a value, 0 included, so an alert on it has something to compare.
      for (const channel of new Set([...this.outboxSources.keys(), ...Object.keys(counts)])) set({ channel }, counts[channel] ?? 0);
    });
  }

  /** A channel's queued replies, read when scraped. */
  watchOutbox(channel: string, read: () => number): void {
    this.outboxSources.set(channel, read);
  }

  /** When the Zalo access token expires (epoch ms), read when scraped. */
  watchZaloToken(read: () => Promise<number | undefined>): void {
    this.zaloExpiry = read;
  }

  /** A web chat message answered in the HTTP response: received, replied, and how long it took. */
  observeWebReply(seconds: number, replies: number): void {
    this.received.inc({ channel: 'web' });
    this.replyDuration.observe({ channel: 'web' }, seconds);
    if (replies) this.sent.inc({ channel: 'web', kind: 'reply', outcome: 'sent' }, replies);
  }

  /** A scam check's verdict and the kinds of signal it found (never the message). */
  scamChecked(channel: string, verdict: string, input: string, signals: readonly string[]): void {
    this.scamChecks.inc({ channel, verdict, input });
    for (const signal of signals) this.scamSignals.inc({ signal });
  }

  /** One image read for a scam check (or not), and how long it took. */
  imageRead(outcome: string, seconds: number): void {
    this.images.inc({ outcome });
    this.imageDuration.observe(seconds);
  }

  /** A gauge whose value is read when scraped. */
  gauge(name: string, help: string, labelNames: string[], read: (set: (labels: Record<string, string>, value: number) => void) => Promise<void> | void): void {
    new client.Gauge({
      name, help, labelNames, registers: [this.registry],
      async collect() {
        this.reset();
        await read((labels, value) => this.set(labels, value));
      },
    });
  }

  private counter(name: string, help: string, labelNames: string[]) {
    return new client.Counter({ name, help, labelNames, registers: [this.registry] });
  }
}
