import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SendError } from '../../../../src/channels/kit/errors.js';
import { PlatformChannel } from '../../../../src/channels/kit/platform-channel.js';
import { renderWithButtons } from '../../../../src/channels/kit/render.js';
import type { AdapterContext, ParsedMessage, PlatformAdapter, Rendered } from '../../../../src/channels/kit/types.js';
import type { Windows } from '../../../../src/channels/kit/windows.js';
import type { Inbound, Reply } from '../../../../src/core/messages.js';
import { Metrics } from '../../../../src/ops/metrics.js';
import { SqliteDriver } from '../../../../src/storage/sql/sqlite-driver.js';
import { sqlStore } from '../../../../src/storage/sql/store.js';
import type { Store } from '../../../../src/storage/ports.js';
import { silentLog } from '../../../helpers/fakes.js';
import { waitFor } from '../../../helpers/wait.js';

// The kit's channel around a hand-made adapter: what reaches the engine, what reaches the platform, and the
// metrics an operator sees. The adapter hands events over itself, the way Telegram's long polling does.

interface Ev { id: string; user: string; text?: string; payload?: string; at?: number; ack?: string; unreadable?: boolean }
interface Part { text: string; buttons?: string[] }

class FakeAdapter implements PlatformAdapter<Ev, Part> {
  readonly name = 'messenger' as const;
  readonly rate = { perSecond: 10_000, burst: 10_000 };
  readonly sendMethod = 'send';
  windows?: Windows;
  /** What the platform received, in order: sends and acknowledgements. */
  readonly calls: string[] = [];
  /** Thrown by the next sends, in turn. */
  readonly failures: unknown[] = [];
  ctx?: AdapterContext<Ev>;

  parse(e: Ev): ParsedMessage | undefined {
    if (e.unreadable) throw new Error('unexpected shape');
    return { userId: e.user, messageId: e.id, at: e.at, ack: e.ack, input: e.payload ? { payload: e.payload } : { text: e.text } };
  }

  render(reply: Reply): Rendered<Part> {
    return renderWithButtons<Part>(reply, { limit: 500, fits: (b) => b.length <= 2, attach: (last, b) => void (last.buttons = b.map((x) => x.payload)) });
  }

  async send(to: unknown, part: Part): Promise<void> {
    const failure = this.failures.shift();
    if (failure) throw failure;
    this.calls.push(`send ${String(to)}: ${part.text}`);
  }

  classify(e: unknown): SendError {
    return e instanceof SendError ? e : new SendError('unknown', false);
  }

  async acknowledge(ack: string): Promise<void> {
    this.calls.push(`ack ${ack}`);
  }

  async start(ctx: AdapterContext<Ev>): Promise<void> {
    this.ctx = ctx;
  }
}

const MENU: Reply = { text: 'Bạn muốn làm gì?', buttons: [{ title: 'Hỏi đáp', payload: 'ASK' }, { title: 'Kiểm tra', payload: 'QUIZ' }, { title: 'Đăng ký', payload: 'REGISTER' }] };

let store: Store;
let adapter: FakeAdapter;
let metrics: Metrics;
let channel: PlatformChannel<Ev, Part>;
let inbound: Inbound[];

beforeEach(async () => {
  store = sqlStore(new SqliteDriver(':memory:'));
  await store.migrate();
  adapter = new FakeAdapter();
  metrics = new Metrics();
  inbound = [];
  const engine = {
    async handle(i: Inbound): Promise<Reply[]> {
      inbound.push(i);
      if (i.text === 'hỏng') throw new Error('engine bug');
      return i.text === 'menu' ? [MENU] : [{ text: `nhận ${i.payload ?? i.text}` }];
    },
  };
  channel = new PlatformChannel(adapter, {
    engine, inbox: store.inbox, settings: store.settings, log: silentLog, metrics, bodyLimit: 1024,
    outbound: { baseDelayMs: 1, maxDelayMs: 2 },
  });
  await channel.start();
});

afterEach(async () => {
  await channel.stop();
  await store.close();
});

async function metric(name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = (await metrics.registry.getMetricsAsJSON()).find((x) => x.name === name);
  return (m?.values ?? []).filter((v) => Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want)).reduce((n, v) => n + Number(v.value), 0);
}
const accept = (e: Ev) => adapter.ctx!.accept(e);
const sends = () => adapter.calls.filter((c) => c.startsWith('send'));
async function status(id: string) {
  return (await store.inbox.pendingInbound('messenger', undefined, 100)).some((r) => r.messageId === id) ? 'pending' : 'done';
}

describe('PlatformChannel', () => {
  it('sends the engine\'s replies; a typed number then means that button of the numbered list', async () => {
    await accept({ id: 'm1', user: 'psid1', text: 'menu' });
    await waitFor(() => sends().length === 1, 'the menu');
    expect(sends()[0]).toBe('send psid1: Bạn muốn làm gì?\n\n1. Hỏi đáp\n2. Kiểm tra\n3. Đăng ký\nTrả lời 1, 2 hoặc 3.');
    await accept({ id: 'm2', user: 'psid1', text: '2' });
    await waitFor(() => sends().length === 2, 'the answer');
    expect(inbound[1]).toMatchObject({ channel: 'messenger', userId: 'psid1', payload: 'QUIZ' });
    expect(inbound[1]!.text).toBeUndefined();
    // Another person's "2" is just text.
    await accept({ id: 'm3', user: 'psid2', text: '2' });
    await waitFor(() => sends().length === 3, 'the other answer');
    expect(inbound[2]).toMatchObject({ userId: 'psid2', text: '2' });
    expect(await metric('bot_messages_received_total', { channel: 'messenger' })).toBe(3);
    expect(await metric('bot_messages_sent_total', { kind: 'reply', outcome: 'sent' })).toBe(3);
  });

  it('acknowledges a button press before replying', async () => {
    await accept({ id: 'm1', user: 'psid1', payload: 'ASK', ack: 'cb-1' });
    await waitFor(() => sends().length === 1, 'the reply');
    expect(adapter.calls).toEqual(['ack cb-1', 'send psid1: nhận ASK']);
    expect(await metric('bot_messages_sent_total', { kind: 'ack', outcome: 'sent' })).toBe(1);
  });

  it('apologises in Vietnamese when the engine fails, and marks the message done', async () => {
    await accept({ id: 'm1', user: 'psid1', text: 'hỏng' });
    await waitFor(() => sends().length === 1, 'the apology');
    expect(sends()[0]).toMatch(/^send psid1: Xin lỗi, tôi đang gặp sự cố/);
    await waitFor(async () => (await status('m1')) === 'done', 'the row to be done');
  });

  it('sends nothing outside the platform\'s reply window (by the platform\'s time), counted', async () => {
    adapter.windows = { automated: 60_000, human: 60_000 };
    await accept({ id: 'm1', user: 'psid1', text: 'xin chào', at: Date.now() - 120_000 });
    await waitFor(async () => (await status('m1')) === 'done', 'the row to be done');
    expect(sends()).toEqual([]);
    expect(await metric('bot_messages_sent_total', { outcome: 'outside_window' })).toBe(1);
    await accept({ id: 'm2', user: 'psid1', text: 'còn đó không', at: Date.now() });
    await waitFor(() => sends().length === 1, 'the reply within the window');
  });

  it('a send the platform refuses for good is counted by class; the message is done and the next one goes on', async () => {
    adapter.failures.push(new SendError('551/1545041', false, undefined, true));
    await accept({ id: 'm1', user: 'psid1', text: 'xin chào' });
    await waitFor(async () => (await status('m1')) === 'done', 'the row to be done');
    expect(await metric('bot_send_errors_total', { channel: 'messenger', class: 'gone' })).toBe(1);
    expect(await metric('bot_messages_sent_total', { outcome: 'failed' })).toBe(1);
    expect(JSON.parse((await store.settings.getSetting('outbound.failures.messenger'))!)).toMatchObject({ count: 1, lastCode: '551/1545041' });
    await accept({ id: 'm2', user: 'psid1', text: 'menu' });
    await waitFor(() => sends().length === 1, 'the next reply');
  });

  it('retries a transient send failure and counts it once as sent', async () => {
    adapter.failures.push(new SendError(500, true), Object.assign(new Error('reset'), { code: 'ECONNRESET' }));
    adapter.classify = (e) => (e instanceof SendError ? e : new SendError('ECONNRESET', true));
    await accept({ id: 'm1', user: 'psid1', text: 'xin chào' });
    await waitFor(() => sends().length === 1, 'the reply');
    expect(await metric('bot_messages_sent_total', { outcome: 'sent' })).toBe(1);
    expect(await metric('bot_send_errors_total')).toBe(0);
  });

  it('drops, acknowledged and counted, a signed event the adapter cannot read', async () => {
    expect(await accept({ id: 'm1', user: 'psid1', unreadable: true })).toBe('ignored');
    expect(await metric('bot_malformed_events_total', { channel: 'messenger' })).toBe(1);
    expect(inbound).toEqual([]);
  });
});
