import type { Reach, SendKind, SendPurpose } from '../../core/outreach.js';

/** A platform's messaging windows after a person's last interaction, in milliseconds. */
export interface Windows {
  /** Automated messages: replies, broadcasts, notices (Messenger 24 h; Zalo 48 h, or 7 days with paid sending). */
  automated: number;
  /** A staff member's own replies (Messenger: 7 days with the HUMAN_AGENT permission, else 24 h; Zalo: 7 days). */
  human: number;
  /** Sending is free of charge until then (Zalo: 48 h). */
  free?: number;
  /** Staff replies past the automated window need Messenger's HUMAN_AGENT tag. */
  humanTag?: boolean;
}

export const HOUR_MS = 60 * 60 * 1000;
export const DAY_MS = 24 * HOUR_MS;

const kindFor = (purpose: SendPurpose): SendKind => (purpose === 'staff' ? 'response' : 'update');

/**
 * Whether a message of this purpose may go now. A platform without windows (Telegram, Bot Framework) always
 * allows it. Past the window, automated messages wait for the person's next message ("later"); a staff reply
 * cannot wait (it answers a question now), so it is "outside". An unknown last interaction fails safe.
 */
export function reachOf(w: Windows | undefined, lastSeen: number | undefined, purpose: SendPurpose, now = Date.now()): Reach {
  if (!w) return { when: 'now', kind: kindFor(purpose) };
  const past = purpose === 'staff' ? 'outside' : 'later';
  if (lastSeen === undefined) return { when: past };
  const limit = purpose === 'staff' ? Math.max(w.human, w.automated) : w.automated;
  const deadline = lastSeen + limit;
  const freeUntil = w.free === undefined ? undefined : lastSeen + w.free;
  if (now > deadline) return { when: past, deadline, freeUntil };
  const tagged = purpose === 'staff' && w.humanTag && now > lastSeen + w.automated;
  return { when: 'now', deadline, freeUntil, kind: tagged ? 'human_agent' : kindFor(purpose) };
}
