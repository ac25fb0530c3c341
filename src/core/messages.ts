/** Channel-agnostic message model: channels translate to and from these, the engine sees nothing else. */

export type ChannelName = 'web' | 'telegram' | 'messenger' | 'zalo' | 'botframework';

export interface Inbound {
  channel: ChannelName;
  /** The platform's user id (never exported; pseudonymised before any record). */
  userId: string;
  /** What the user typed, if anything. */
  text?: string;
  /** A button payload, if the user pressed one. */
  payload?: string;
  /** The person opened the conversation (followed the OA, added the bot): greet them. */
  start?: true;
  /** True for stickers, images and other content the bot cannot read. */
  unsupported?: true;
  receivedAt: Date;
}

export interface Button {
  title: string;
  payload: string;
}

export interface Reply {
  text: string;
  buttons?: Button[];
}
