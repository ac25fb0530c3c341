import crypto from 'node:crypto';
import { Memo } from '../core/memo.js';
import type { ChannelName } from '../core/messages.js';
import type { EventDetails, EventType, FeedbackReason, Recorder, Turn } from '../core/ports.js';
import type { ParticipationStore, SettingsStore } from '../storage/ports.js';
import { redactPersonalData } from './redact.js';

/**
 * Records participation events. Anonymous counts are always kept; the pseudonymous user key,
 * organisation and unit are attached only when the person has consented (has a profile).
 */
export class Participation implements Recorder {
  private readonly keys = new Memo<string>(10_000);

  constructor(private store: ParticipationStore, private secret: string, private observe: { unanswered?: () => void } = {}) {}

  /** HMAC of channel and platform id: stable per person, meaningless outside this deployment. */
  userKey(channel: ChannelName, userId: string): string {
    const id = `${channel}:${userId}`;
    // Asked several times per message (engine, web chat, outreach); the HMAC is the costly part.
    return this.keys.get(id, () => crypto.createHmac('sha256', this.secret).update(id).digest('base64url').slice(0, 22));
  }

  /** The key for a state saved under the former `<channel>:<platform id>` session id. */
  legacyKey(sessionId: string): string {
    const i = sessionId.indexOf(':');
    return this.userKey(sessionId.slice(0, i) as ChannelName, sessionId.slice(i + 1));
  }

  async record(turn: Pick<Turn, 'inbound' | 'userKey'>, type: EventType, details: EventDetails = {}): Promise<void> {
    const profile = await this.store.getProfile(turn.userKey);
    await this.store.recordEvent({
      at: turn.inbound.receivedAt,
      type,
      channel: turn.inbound.channel,
      userKey: profile ? turn.userKey : null,
      organisation: profile?.organisation ?? null,
      unit: profile?.unit ?? null,
      ...details,
      attemptId: profile ? null : details.attemptId ?? null,
    });
  }

  async unanswered(turn: Pick<Turn, 'inbound' | 'userKey'>, question: string): Promise<void> {
    await this.store.recordUnanswered(turn.inbound.channel, redactPersonalData(question), turn.inbound.receivedAt, turn.userKey);
    this.observe.unanswered?.();
  }

  async feedbackReason(channel: ChannelName, topic: string, reason: FeedbackReason, at: Date): Promise<void> {
    await this.store.recordFeedbackReason({ at, channel, topic, reason });
  }
}

/** The pseudonym secret: from settings, else generated once and kept in storage. */
export async function pseudonymSecret(settings: SettingsStore, configured?: string): Promise<string> {
  if (configured) return configured;
  const existing = await settings.getSetting('pseudonym_secret');
  if (existing) return existing;
  const fresh = crypto.randomBytes(32).toString('base64url');
  // Two instances starting together must agree on one secret.
  if (await settings.compareAndSetSetting('pseudonym_secret', undefined, fresh)) return fresh;
  return (await settings.getSetting('pseudonym_secret'))!;
}
