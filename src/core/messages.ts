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
  /** A picture the person sent (a screenshot to check); fetched only when read, never stored. */
  image?: InboundImage;
  /** True for stickers, files and other content the bot cannot read. */
  unsupported?: true;
  receivedAt: Date;
}

/** A picture from the person: the channel knows where its bytes are, the reader asks for them once. */
export interface InboundImage {
  /** The image's bytes (JPEG or PNG); rejects when the platform fails or the image is larger than allowed. */
  load(signal: AbortSignal): Promise<Uint8Array>;
}

export interface Button {
  title: string;
  payload: string;
}

export interface Reply {
  text: string;
  buttons?: Button[];
}
