import pino from 'pino';
import type { ChannelName, Inbound, Reply } from '../../src/core/messages.js';
import type { Activity, EventDetails, EventType, Recorder, StateStore, Turn, FeedbackReason } from '../../src/core/ports.js';
import type { ParticipationStore, SettingsStore } from '../../src/storage/ports.js';
import type { CompletionCode, ParticipationEvent, Person, Profile, QuizResult } from '../../src/storage/types.js';

/** In-memory fakes of the ports, for unit tests that need no server and no database. */

export const silentLog = pino({ level: 'silent' });

/**
 * Lets pending promise callbacks and I/O callbacks run, for a few turns of the event loop: SQLite writes commit at
 * the end of the turn they were asked in (SqliteDriver.run), so a chain of writes takes one turn each.
 */
export async function flush(turns = 10): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

export function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

/**
 * A clock moved by hand, with the periodic timers (`every`) that the inbox takes: advancing it fires each
 * timer at its due time, in order, and lets the work it starts finish before time moves on.
 */
export class ManualClock {
  private t: number;
  private timers = new Set<{ next: number; ms: number; fn: () => void }>();

  constructor(start = Date.UTC(2026, 0, 5, 1, 0, 0)) {
    this.t = start;
  }

  readonly now = (): number => this.t;

  readonly every = (ms: number, fn: () => void): (() => void) => {
    const timer = { next: this.t + ms, ms, fn };
    this.timers.add(timer);
    return () => void this.timers.delete(timer);
  };

  /** How many periodic timers are running. */
  get running(): number {
    return this.timers.size;
  }

  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      const due = [...this.timers].filter((x) => x.next <= end).sort((a, b) => a.next - b.next)[0];
      if (!due) break;
      this.t = due.next;
      due.next += due.ms;
      due.fn();
      await flush();
    }
    this.t = end;
    await flush();
  }
}

export class MemorySettings implements SettingsStore {
  readonly values = new Map<string, string>();

  async getSetting(key: string): Promise<string | undefined> {
    return this.values.get(key);
  }

  async setSetting(key: string, value: string): Promise<void> {
    this.values.set(key, value);
  }

  async compareAndSetSetting(key: string, expected: string | undefined, next: string): Promise<boolean> {
    if (this.values.get(key) !== expected) return false;
    this.values.set(key, next);
    return true;
  }
}

/** Conversation state kept as JSON text, as the real store keeps it (so nothing survives by reference). */
export class MemoryStates implements StateStore {
  readonly saved = new Map<string, string>();

  async getState(sessionId: string): Promise<Record<string, unknown> | undefined> {
    const s = this.saved.get(sessionId);
    return s === undefined ? undefined : (JSON.parse(s) as Record<string, unknown>);
  }

  async saveState(sessionId: string, state: Record<string, unknown>): Promise<void> {
    this.saved.set(sessionId, JSON.stringify(state));
  }
}

/**
 * What the activities use of the participation store, in memory, keeping the SQL store's rules (tests/integration/
 * storage.test.ts holds the real one to them): an event or code without a person keeps its attempt id until the
 * person claims it; deleting keeps the anonymous rows and drops who made them. The rest of the port throws.
 */
export class MemoryParticipation {
  readonly profiles = new Map<string, Profile>();
  readonly codes: CompletionCode[] = [];
  readonly events: ParticipationEvent[] = [];
  readonly deleted: string[] = [];

  async getProfile(userKey: string): Promise<Profile | undefined> {
    const p = this.profiles.get(userKey);
    return p && { ...p };
  }

  async saveProfile(profile: Profile): Promise<void> {
    this.profiles.set(profile.userKey, { ...profile });
  }

  async deletePersonalData({ userKey }: Person): Promise<number> {
    this.deleted.push(userKey);
    let n = this.profiles.delete(userKey) ? 1 : 0;
    for (const e of this.events.filter((x) => x.userKey === userKey)) {
      Object.assign(e, { userKey: null, organisation: null, unit: null, attemptId: null });
      n++;
    }
    for (const c of this.codes.filter((x) => x.userKey === userKey)) {
      Object.assign(c, { userKey: null, attemptId: null });
      n++;
    }
    return n;
  }

  async recordEvent(event: ParticipationEvent): Promise<void> {
    this.events.push({ ...event });
  }

  async saveCompletionCode(code: CompletionCode): Promise<void> {
    this.codes.push({ ...code });
  }

  async claimAttempts(userKey: string, attemptIds: string[]): Promise<number> {
    const claimable = (r: { userKey?: string | null; attemptId?: string | null }) => !r.userKey && !!r.attemptId && attemptIds.includes(r.attemptId);
    const events = this.events.filter(claimable);
    for (const r of [...events, ...this.codes.filter(claimable)]) Object.assign(r, { userKey, attemptId: null });
    return events.length;
  }

  async fillAffiliation(userKey: string, organisation: string | undefined, unit: string | undefined): Promise<void> {
    for (const e of this.events.filter((x) => x.userKey === userKey)) {
      e.organisation ??= organisation ?? null;
      e.unit ??= unit ?? null;
    }
  }

  async quizResults(userKey: string, limit: number): Promise<QuizResult[]> {
    return this.events
      .map((e, i) => ({ e, i }))
      .filter(({ e }) => e.userKey === userKey && e.type === 'quiz_completed')
      .sort((a, b) => b.e.at.getTime() - a.e.at.getTime() || b.i - a.i)
      .slice(0, limit)
      .map(({ e }) => {
        const code = this.codes.find((c) => c.userKey === userKey && c.quizId === e.quizId && c.at.getTime() === e.at.getTime())?.code;
        return { quizId: e.quizId!, at: e.at, score: e.score!, total: e.total!, passed: Boolean(e.passed), ...(code ? { code } : {}) };
      });
  }

  /** Typed as the port; calling anything the fake lacks fails the test loudly. */
  asStore(): ParticipationStore {
    return new Proxy(this, {
      get: (target, prop) => (prop in target ? Reflect.get(target, prop) : () => {
        throw new Error(`MemoryParticipation.${String(prop)} is not faked`);
      }),
    }) as unknown as ParticipationStore;
  }
}

/** Records what the engine and activities report; the user key is readable in assertions. */
export class FakeRecorder implements Recorder {
  readonly events: ({ type: EventType; userKey: string } & EventDetails)[] = [];
  readonly unansweredQuestions: { channel: ChannelName; question: string; at: Date }[] = [];
  readonly reasons: { channel: ChannelName; topic: string; reason: FeedbackReason; at: Date }[] = [];

  userKey(channel: ChannelName, userId: string): string {
    return `key-${channel}-${userId}`;
  }

  async record(turn: Pick<Turn, 'inbound' | 'userKey'>, type: EventType, details: EventDetails = {}): Promise<void> {
    this.events.push({ type, userKey: turn.userKey, ...details });
  }

  async unanswered(turn: Pick<Turn, 'inbound' | 'userKey'>, question: string): Promise<void> {
    this.unansweredQuestions.push({ channel: turn.inbound.channel, question, at: turn.inbound.receivedAt });
  }

  async feedbackReason(channel: ChannelName, topic: string, reason: FeedbackReason, at: Date): Promise<void> {
    this.reasons.push({ channel, topic, reason, at });
  }

  types(): EventType[] {
    return this.events.map((e) => e.type);
  }
}

/** One person's button presses and typed text, each a turn of its own, given to an activity directly (the current one: tests rebuild it). */
export function personTalkingTo(activity: () => Activity, turn: () => Turn) {
  return {
    async press(payload: string): Promise<Reply[]> {
      const t = turn();
      await activity().onPayload(t, payload);
      return t.replies;
    },
    async type(text: string): Promise<{ taken: boolean; replies: Reply[] }> {
      const t = turn();
      const taken = await activity().onText(t, text);
      return { taken, replies: t.replies };
    },
  };
}

/** A turn for calling an activity directly. */
export function turnFor(input: Partial<Inbound> & { state?: Record<string, unknown> } = {}): Turn {
  const { state = {}, ...rest } = input;
  const inbound: Inbound = { channel: 'web', userId: 'u1', receivedAt: new Date(Date.UTC(2026, 2, 3, 2)), ...rest };
  return { inbound, sessionId: `${inbound.channel}:${inbound.userId}`, userKey: `key-${inbound.channel}-${inbound.userId}`, state, replies: [] };
}
