import crypto from 'node:crypto';
import type { Inbound } from '../core/messages.js';
import type { Turn } from '../core/engine.js';
import type { EventType, ParticipationEvent, Storage } from '../storage/types.js';

/**
 * Records participation events. Anonymous counts are always kept; the pseudonymous user key,
 * organisation and unit are attached only when the person has consented (has a profile).
 */
export class Participation {
  constructor(private storage: Storage, private secret: string) {}

  /** HMAC of channel and platform id: stable per person, meaningless outside this deployment. */
  userKey(inbound: Pick<Inbound, 'channel' | 'userId'>): string {
    return crypto.createHmac('sha256', this.secret).update(`${inbound.channel}:${inbound.userId}`).digest('base64url').slice(0, 22);
  }

  async record(turn: Turn, type: EventType, extra: Partial<ParticipationEvent> = {}): Promise<void> {
    const profile = await this.storage.getProfile(turn.userKey);
    await this.storage.recordEvent({
      at: turn.inbound.receivedAt,
      type,
      channel: turn.inbound.channel,
      userKey: profile ? turn.userKey : null,
      organisation: profile?.organisation ?? null,
      unit: profile?.unit ?? null,
      ...extra,
    });
  }
}

/** The pseudonym secret: from settings, else generated once and kept in storage. */
export async function pseudonymSecret(storage: Storage, configured?: string): Promise<string> {
  if (configured) return configured;
  const existing = await storage.getSetting('pseudonym_secret');
  if (existing) return existing;
  const fresh = crypto.randomBytes(32).toString('base64url');
  // Two instances starting together must agree on one secret.
  if (await storage.compareAndSetSetting('pseudonym_secret', undefined, fresh)) return fresh;
  return (await storage.getSetting('pseudonym_secret'))!;
}
