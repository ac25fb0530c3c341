import type { ChannelName, Inbound, Reply } from '../../core/messages.js';
import type { Logger } from '../../log.js';
import type { Metrics } from '../../ops/metrics.js';
import type { InboxStore, SettingsStore } from '../../storage/ports.js';
import { ButtonMemory } from './button-memory.js';
import { ABORTED_AT_SHUTDOWN, describe, SendError } from './errors.js';
import { Inbox, type InboxEvent, type InboxOptions } from './inbox.js';
import { Outbound, type OutboundOptions } from './outbound.js';
import type { Channel, ParsedMessage, PlatformAdapter } from './types.js';
import { webhookRouter } from './webhook.js';

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
export function createPlatformChannel<E, P>(adapter: PlatformAdapter<E, P>, deps: KitDeps): Channel {
  const { log, metrics } = deps;
  const channel: ChannelName = adapter.name;
  const outbound = new Outbound(channel, deps.settings, log, {
    ratePerSecond: adapter.rate.perSecond, burst: adapter.rate.burst, ...deps.outbound,
    onOutcome: (o) => {
      metrics?.sent.inc({ channel, kind: o.method === 'acknowledge' ? 'ack' : 'reply', outcome: o.ok ? 'sent' : 'failed' });
      if (o.error) metrics?.sendErrors.inc({ channel, class: errorClass(o.error) });
      deps.outbound?.onOutcome?.(o);
    },
    onTaskError: () => metrics?.processingErrors.inc({ channel }),
  });
  const memory = new ButtonMemory();
  // The latest message time per user, for a platform's reply window (bounded; a restart falls back to the message's own time).
  const lastSeen = new Map<string, number>();
  const classified = <T>(p: Promise<T>) => p.catch((e: unknown) => { throw e instanceof SendError ? e : adapter.classify(e); });
  const call = <T>(method: string, fn: (signal: AbortSignal) => Promise<T>) => outbound.call(method, (signal) => classified(fn(signal)));

  function noteSeen(userId: string, at: number): void {
    const t = Math.max(at, lastSeen.get(userId) ?? 0);
    lastSeen.delete(userId);
    lastSeen.set(userId, t);
    if (lastSeen.size > 50_000) lastSeen.delete(lastSeen.keys().next().value!);
  }

  async function deliver(userId: string, to: unknown, replies: Reply[]): Promise<void> {
    let numbered;
    const queries: [string, string][] = [];
    for (const reply of replies) {
      const rendered = adapter.render(reply);
      numbered = rendered.numbered;
      queries.push(...(rendered.queries ?? []));
      for (const part of rendered.parts) {
        if (adapter.replyWindowMs && Date.now() - (lastSeen.get(userId) ?? 0) > adapter.replyWindowMs) {
          log.warn({ channel, reason: 'reply_window' }, 'response dropped: outside the platform messaging window');
          metrics?.sent.inc({ channel, kind: 'reply', outcome: 'outside_window' });
          return;
        }
        await call(adapter.sendMethod, (signal) => adapter.send(to, part, signal));
      }
    }
    memory.offer(userId, { numbered, queries });
  }

  /** Engine and replies for one stored message; false when shutdown cut the replies short. */
  async function handle(m: ParsedMessage, receivedAt: Date): Promise<boolean> {
    metrics?.received.inc({ channel });
    // The platform's time bounds the reply window, also for a message replayed after a crash.
    noteSeen(m.userId, Math.min(m.at ?? receivedAt.getTime(), receivedAt.getTime()));
    if (m.ack && adapter.acknowledge) {
      const ack = m.ack;
      // Every Telegram callback gets an answer, or the button keeps spinning.
      await call('acknowledge', (signal) => adapter.acknowledge!(ack, signal)).catch(() => undefined);
    }
    const payload = m.input.payload ?? memory.resolve(m.userId, m.input.text);
    const input = payload ? { payload } : m.input;
    const timer = metrics?.replyDuration.startTimer({ channel });
    let replies: Reply[];
    try {
      replies = await deps.engine.handle({ ...input, channel, userId: m.userId, receivedAt });
    } catch (err) {
      log.error({ channel, messageId: m.messageId, err: describe(err) }, 'engine failed on a message');
      replies = [{ text: SORRY }];
    }
    timer?.();
    try {
      if (replies.length) await deliver(m.userId, m.address ?? m.userId, replies);
    } catch (err) {
      if (!(err instanceof SendError)) throw err; // a bug, not a platform answer: left pending, retried once the lease runs out
      if (err.code === ABORTED_AT_SHUTDOWN) {
        log.warn({ channel, messageId: m.messageId }, 'reply cut short by shutdown; the message stays pending for the next start');
        return false;
      }
      // The platform call gave up after its retries (logged and recorded): the message was handled.
    }
    return true;
  }

  /** A signed event the adapter cannot read is acknowledged and dropped: a 5xx would make the platform resend it forever. */
  function parse(event: E): ParsedMessage | undefined {
    try {
      return adapter.parse(event);
    } catch (err) {
      metrics?.malformed.inc({ channel });
      log.warn({ channel, err: describe(err) }, 'malformed platform event dropped');
      return undefined;
    }
  }

  const observe = (event: InboxEvent, count: number) => {
    if (event === 'sweep') metrics?.inboxSweeps.inc({ channel });
    else if (event === 'given_up') metrics?.inboxGivenUp.inc({ channel }, count);
    else metrics?.inboxRecovered.inc({ channel, how: event === 'replayed' ? 'replay' : 'sweep' }, count);
  };
  const inbox = new Inbox<E>({ channel, store: deps.inbox, log, parse, handle, observe, queue: outbound }, deps.inboxOptions);
  return {
    name: channel,
    router: adapter.webhook ? webhookRouter(channel, adapter.webhook, (e) => inbox.accept(e), { bodyLimit: deps.bodyLimit, log, metrics }) : undefined,
    async start() {
      await adapter.start?.({ accept: (e) => inbox.accept(e), call, retryDelay: (n, e) => (e?.retryAfterSeconds !== undefined ? outbound.seconds(e.retryAfterSeconds) : outbound.backoff(n)) });
      await inbox.start();
      log.info({ channel }, 'channel on');
    },
    async stop() {
      await adapter.stop?.();
      await inbox.stop();
    },
  };
}
