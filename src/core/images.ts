/** The kinds of picture the bot reads (screenshots and phone photos), known by their first bytes, not by a name. */
export type ImageType = 'png' | 'jpeg';

/** PNG or JPEG by signature; undefined for anything else (a renamed file, HTML, a GIF). */
export function imageType(bytes: Uint8Array): ImageType | undefined {
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47
    && bytes[4] === 0x0d && bytes[5] === 0x0a && bytes[6] === 0x1a && bytes[7] === 0x0a) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return undefined;
}

/** An image over the size the bot accepts (the channel found out while fetching it). */
export class ImageTooLarge extends Error {
  constructor(readonly bytes?: number) {
    super(bytes === undefined ? 'image too large' : `image too large (${bytes} bytes)`);
  }
}
