import type { Router } from 'express';
import type { Button, ChannelName, Inbound, Reply } from '../../core/messages.js';
import type { Outcome, PeopleHooks, Reach, Recipient, SendKind, SendPurpose } from '../../core/outreach.js';
import type { Logger } from '../../log.js';
import type { Metrics } from '../../ops/metrics.js';
import type { InboxStore, SettingsStore } from '../../storage/ports.js';
import { ButtonMemory } from './button-memory.js';
import { ABORTED_AT_SHUTDOWN, describe, SendError } from './errors.js';
import { Inbox, type InboxEvent, type InboxOptions } from './inbox.js';
import { Outbound, type OutboundOptions } from './outbound.js';
import type { Channel, ParsedMessage, PlatformAdapter } from './types.js';
import type { ProactiveChannel } from '../../core/outreach.js';
import { webhookRouter } from './webhook.js';
import { abortable, imageError } from './images.js';
import { reachOf } from './windows.js';

const SORRY = 'Xin lỗi, tôi đang gặp sự cố nên chưa trả lời được. Bạn vui lòng thử lại sau ít phút.';

export interface KitDeps {
  /** The dialogue engine: one message in, its replies out. */
  engine: { handle(inbound: Inbound): Promise<Reply[]> };
  inbox: InboxStore;
  settings: SettingsStore;
  log: Logger;
  metrics?: Metrics;
  bodyLimit: number;
  outbound?: Partial<OutboundOptions>;
  inboxOptions?: Partial<InboxOptions>;
  /** Told when people write, block or come back; asked after each turn for messages that waited for them. */
  people?: PeopleHooks;
  /** Largest picture fetched from the platform (bytes). */
  imageMaxBytes?: number;
}

/** Error class for metrics: what an operator would do about it. */
function errorClass(e: SendError): string {
  if (e.gone) return 'gone';
  if (e.code === ABORTED_AT_SHUTDOWN) return 'aborted';
  return e.retryable ? 'transient' : 'permanent';
}

/**
 * A platform connector built from an adapter: durable inbox, per-user ordering, rate limit and retries,
 * button memory (typed numbers, Zalo query texts), reply windows, and the webhook route.
 */
export class PlatformChannel<E, P> implements Channel, ProactiveChannel {
  readonly name: ChannelName;
  readonly router?: Router;
  private readonly outbound: Outbound;
  private readonly inbox: Inbox<E>;
  private readonly memory = new ButtonMemory();
  /** The latest message time per user, for a platform's reply window (bounded; a restart falls back to the message's own time). */
  private readonly lastSeen = new Map<string, number>();

  constructor(private adapter: PlatformAdapter<E, P>, private deps: KitDeps) {
    const channel = (this.name = adapter.name);
    const { metrics } = deps;
    this.outbound = new Outbound(channel, deps.settings, deps.log, {
      ratePerSecond: adapter.rate.perSecond, burst: adapter.rate.burst, ...deps.outbound,
      onOutcome: (o) => {
        metrics?.sent.inc({ channel, kind: o.method === 'acknowledge' ? 'ack' : 'reply', outcome: o.ok ? 'sent' : 'failed' });
        if (o.error) metrics?.sendErrors.inc({ channel, class: errorClass(o.error) });
        deps.outbound?.onOutcome?.(o);
      },
      onTaskError: () => metrics?.processingErrors.inc({ channel }),
    });
    metrics?.watchOutbox(channel, () => this.outbound.pending);
    this.inbox = new Inbox<E>({
      channel, store: deps.inbox, log: deps.log, queue: this.outbound,
      parse: (event) => this.parse(event), handle: (m, at) => this.handle(m, at), observe: (event, n) => this.observe(event, n),
    }, deps.inboxOptions);
    if (adapter.webhook) this.router = webhookRouter(channel, adapter.webhook, (e) => this.inbox.accept(e), { bodyLimit: deps.bodyLimit, log: deps.log, metrics });
  }

  async start(): Promise<void> {
    await this.adapter.start?.({
      accept: (e) => this.inbox.accept(e),
      call: (method, fn) => this.call(method, fn),
      retryDelay: (n, e) => (e?.retryAfterSeconds !== undefined ? this.outbound.seconds(e.retryAfterSeconds) : this.outbound.backoff(n)),
    });
    await this.inbox.start();
    this.deps.log.info({ channel: this.name }, 'channel on');
  }

  async stop(): Promise<void> {
    await this.adapter.stop?.();
    await this.inbox.stop();
  }

  /** A platform call, rate-limited and retried, its failures classified by the adapter. */
  private call<T>(method: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return this.outbound.call(method, (signal) => fn(signal).catch((e: unknown) => {
      throw e instanceof SendError ? e : this.adapter.classify(e);
    }));
  }

  /** A signed event the adapter cannot read is acknowledged and dropped: a 5xx would make the platform resend it forever. */
  private parse(event: E): ParsedMessage | undefined {
    try {
      return this.adapter.parse(event);
    } catch (err) {
      this.deps.metrics?.malformed.inc({ channel: this.name });
      this.deps.log.warn({ channel: this.name, err: describe(err) }, 'malformed platform event dropped');
      return undefined;
    }
  }

  private observe(event: InboxEvent, count: number): void {
    const { metrics } = this.deps;
    const channel = this.name;
    if (event === 'sweep') metrics?.inboxSweeps.inc({ channel });
    else if (event === 'given_up') metrics?.inboxGivenUp.inc({ channel }, count);
    else metrics?.inboxRecovered.inc({ channel, how: event === 'replayed' ? 'replay' : 'sweep' }, count);
  }

  /** Engine and replies for one stored message; false when shutdown cut the replies short. */
  private async handle(m: ParsedMessage, receivedAt: Date): Promise<boolean> {
    const channel = this.name;
    const { people } = this.deps;
    // The platform's time bounds the reply window, also for a message replayed after a crash.
    const at = Math.min(m.at ?? receivedAt.getTime(), receivedAt.getTime());
    if (m.present !== undefined) {
      await this.safely('membership', () => people?.membership(channel, m.userId, m.present!));
      const { text, payload, start, unsupported } = m.input;
      if (text === undefined && !payload && !start && !unsupported) return true; // a membership change only
    }
    this.deps.metrics?.received.inc({ channel });
    this.noteSeen(m.userId, at);
    // Every Telegram callback gets an answer, or the button keeps spinning.
    if (m.ack && this.adapter.acknowledge) await this.call('acknowledge', (signal) => this.adapter.acknowledge!(m.ack!, signal)).catch(() => undefined);
    const replies = await this.reply(m, receivedAt);
    const to = m.address ?? m.userId;
    try {
      await this.safely('seen', () => people?.seen(channel, m.userId, at, m.address === undefined ? undefined : this.adapter.storedAddress?.(m.address)));
      if (replies.length) await this.deliver(m.userId, to, replies);
      await this.safely('after_turn', () => people?.afterTurn(channel, m.userId, (more) => this.attempt(m.userId, to, more, 'update')));
    } catch (err) {
      if (!(err instanceof SendError)) throw err; // a bug, not a platform answer: left pending, retried once the lease runs out
      if (err.code === ABORTED_AT_SHUTDOWN) {
        this.deps.log.warn({ channel, messageId: m.messageId }, 'reply cut short by shutdown; the message stays pending for the next start');
        return false;
      }
      // The platform call gave up after its retries (logged and recorded): the message was handled.
    }
    return true;
  }

  /** Outreach bookkeeping never keeps a citizen from their answer: its failures are logged, not thrown (shutdown aside). */
  private async safely(what: string, work: () => Promise<void> | undefined): Promise<void> {
    try {
      await work();
    } catch (err) {
      if (err instanceof SendError && err.code === ABORTED_AT_SHUTDOWN) throw err;
      this.deps.log.error({ channel: this.name, what, err: describe(err) }, 'outreach bookkeeping failed');
    }
  }

  /** Whether a message of this purpose may reach a person whose last interaction was at `lastSeen`. */
  reach(lastSeen: number | undefined, purpose: SendPurpose, now = Date.now()): Reach {
    return reachOf(this.adapter.windows, lastSeen, purpose, now);
  }

  /**
   * Sends to a person outside a turn (broadcast, staff reply, notice) through the same queue as replies: after
   * their pending replies, rate-limited, retried. Never throws for a platform's answer: the outcome says it.
   */
  async sendTo(to: Recipient, replies: Reply[], purpose: SendPurpose): Promise<Outcome> {
    const r = this.reach(to.lastSeen, purpose);
    if (r.when !== 'now') return r.when === 'later' ? { status: 'later', reason: 'window' } : { status: 'skipped', reason: 'outside_window' };
    let outcome: Outcome = { status: 'failed', reason: 'not_sent', gone: false };
    await this.outbound.inOrder(to.userId, async () => {
      outcome = await this.attempt(to.userId, to.address ?? to.userId, replies, r.kind ?? 'update');
    });
    return outcome;
  }

  /** Delivers the replies and reports how it went (a shutdown mid-way still throws, so the caller can stop). */
  private async attempt(userId: string, to: unknown, replies: Reply[], kind: SendKind): Promise<Outcome> {
    try {
      await this.deliver(userId, to, replies, kind);
      return { status: 'sent' };
    } catch (err) {
      if (!(err instanceof SendError) || err.code === ABORTED_AT_SHUTDOWN) throw err;
      if (err.later) return { status: 'later', reason: String(err.code) };
      return { status: 'failed', reason: String(err.code), gone: err.gone };
    }
  }

  private async reply(m: ParsedMessage, receivedAt: Date): Promise<Reply[]> {
    const payload = m.input.payload ?? this.memory.resolve(m.userId, m.input.text);
    const timer = this.deps.metrics?.replyDuration.startTimer({ channel: this.name });
    try {
      return await this.deps.engine.handle({ ...(payload ? { payload } : m.input), ...this.image(m), channel: this.name, userId: m.userId, receivedAt });
    } catch (err) {
      this.deps.log.error({ channel: this.name, messageId: m.messageId, err: describe(err) }, 'engine failed on a message');
      return [{ text: SORRY }];
    } finally {
      timer?.();
    }
  }

  /** A picture's loader for the engine: the platform call is rate-limited and retried like sends, and gives up with the reader. */
  private image(m: ParsedMessage): Pick<Inbound, 'image' | 'unsupported'> {
    const { fetchImage } = this.adapter;
    if (m.image === undefined) return {};
    if (!fetchImage) return { unsupported: true };
    const max = this.deps.imageMaxBytes ?? 2 * 1024 * 1024;
    return {
      image: {
        load: (signal) => abortable(this.call('getImage', (s) => fetchImage.call(this.adapter, m.image, max, AbortSignal.any([s, signal]))), signal).catch((e: unknown) => {
          throw imageError(e);
        }),
      },
    };
  }

  private async deliver(userId: string, to: unknown, replies: Reply[], kind?: SendKind): Promise<void> {
    let numbered: Button[] | undefined;
    const queries: [string, string][] = [];
    for (const reply of replies) {
      const rendered = this.adapter.render(reply);
      numbered = rendered.numbered;
      queries.push(...(rendered.queries ?? []));
      for (const part of rendered.parts) {
        // Out-of-turn sends were checked against the stored last interaction before they were queued.
        if (!kind && !this.withinWindow(userId)) return;
        await this.call(this.adapter.sendMethod, (signal) => this.adapter.send(to, part, signal, kind ?? 'response'));
      }
    }
    this.memory.offer(userId, { numbered, queries });
  }

  private withinWindow(userId: string): boolean {
    const windowMs = this.adapter.windows?.automated;
    if (!windowMs || Date.now() - (this.lastSeen.get(userId) ?? 0) <= windowMs) return true;
    this.deps.log.warn({ channel: this.name, reason: 'reply_window' }, 'response dropped: outside the platform messaging window');
    this.deps.metrics?.sent.inc({ channel: this.name, kind: 'reply', outcome: 'outside_window' });
    return false;
  }

  private noteSeen(userId: string, at: number): void {
    const t = Math.max(at, this.lastSeen.get(userId) ?? 0);
    this.lastSeen.delete(userId);
    this.lastSeen.set(userId, t);
    if (this.lastSeen.size > 50_000) this.lastSeen.delete(this.lastSeen.keys().next().value!);
  }
}
