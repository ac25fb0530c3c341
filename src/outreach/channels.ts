import type { ChannelName } from '../core/messages.js';
import type { Outcome, ProactiveChannel, Reach } from '../core/outreach.js';

/**
 * The web chat has no way to reach a person between visits: announcements and staff replies wait for their
 * next message, which is answered synchronously (see People.afterTurn).
 */
export const webChat: ProactiveChannel = {
  name: 'web',
  reach: (): Reach => ({ when: 'later' }),
  sendTo: async (): Promise<Outcome> => ({ status: 'later', reason: 'next_visit' }),
};

/** The channels that can message people, by name; filled once the platform channels exist (they need outreach's hooks first). */
export class ChannelRegistry {
  private byName = new Map<ChannelName, ProactiveChannel>([['web', webChat]]);

  attach(channels: ProactiveChannel[]): void {
    for (const c of channels) this.byName.set(c.name, c);
  }

  get(name: ChannelName): ProactiveChannel | undefined {
    return this.byName.get(name);
  }

  names(): ChannelName[] {
    return [...this.byName.keys()];
  }
}
