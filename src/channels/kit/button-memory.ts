import type { Button } from '../../core/messages.js';
import { typedNumber } from './render.js';

interface Offered {
  /** Buttons shown as a numbered list on the user's latest message, if any. */
  numbered?: Button[];
  /** Exact texts that mean a button press (Zalo sends the button's query back as text), newest last. */
  queries: Map<string, string>;
}

/**
 * What each user was last offered, so that a typed "2" or a Zalo query text maps back to a payload.
 * In memory and bounded: a restart forgets it and the typed text then goes to the engine as text.
 */
export class ButtonMemory {
  private users = new Map<string, Offered>();

  constructor(private maxUsers = 20_000, private maxQueriesPerUser = 30) {}

  /** Records what the last message of a reply batch offered. */
  offer(userId: string, offer: { numbered?: Button[]; queries?: [text: string, payload: string][] }): void {
    const entry = this.users.get(userId) ?? { queries: new Map<string, string>() };
    this.users.delete(userId);
    entry.numbered = offer.numbered?.length ? offer.numbered : undefined;
    for (const [text, payload] of offer.queries ?? []) {
      entry.queries.delete(text);
      entry.queries.set(text, payload);
    }
    while (entry.queries.size > this.maxQueriesPerUser) entry.queries.delete(entry.queries.keys().next().value!);
    this.users.set(userId, entry);
    while (this.users.size > this.maxUsers) this.users.delete(this.users.keys().next().value!);
  }

  /** The payload meant by a typed text, if it is a number from the last list or a known button query. */
  resolve(userId: string, text: string | undefined): string | undefined {
    const entry = this.users.get(userId);
    if (!entry || text === undefined) return undefined;
    const n = typedNumber(text);
    if (n !== undefined && entry.numbered && n >= 1 && n <= entry.numbered.length) return entry.numbered[n - 1]!.payload;
    return entry.queries.get(text.trim());
  }
}
