import type { ConversationState } from './ports.js';

/**
 * Quiz attempts a person made before consenting, noted in their own conversation state only, never across people:
 * the consent text promises that these count once they agree, so the consent ties them to the person; refusing
 * or deleting their data drops the note. Only random attempt ids are kept, the most recent few.
 */
const SLOT = 'unclaimedAttempts';
const MAX = 20;

export function noteUnclaimedAttempt(state: ConversationState, attemptId: string): void {
  const ids = ((state[SLOT] as string[] | undefined) ?? []).filter((id) => id !== attemptId);
  state[SLOT] = [...ids, attemptId].slice(-MAX);
}

/** The noted attempt ids; the note is gone afterwards. */
export function takeUnclaimedAttempts(state: ConversationState): string[] {
  const ids = (state[SLOT] as string[] | undefined) ?? [];
  delete state[SLOT];
  return ids;
}
