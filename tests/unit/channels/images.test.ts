import { describe, expect, it } from 'vitest';
import { parseMessenger } from '../../../src/channels/messenger/parse.js';
import { parseTelegram } from '../../../src/channels/telegram/parse.js';
import { parseZalo } from '../../../src/channels/zalo/parse.js';

const chat = { id: 5, type: 'private' };

describe('pictures in platform events', () => {
  it('Telegram: the largest photo size by file id; a JPEG/PNG sent as a file; other files unsupported', () => {
    const photo = parseTelegram({ update_id: 1, message: { message_id: 1, chat, photo: [{ file_id: 'small', file_size: 10 }, { file_id: 'large', file_size: 900 }], caption: 'lừa đảo ko' } as never });
    expect(photo).toMatchObject({ userId: '5', input: {}, image: { fileId: 'large', size: 900 } });
    const file = parseTelegram({ update_id: 2, message: { message_id: 2, chat, document: { file_id: 'doc', mime_type: 'image/png' } } as never });
    expect(file?.image).toEqual({ fileId: 'doc' });
    const pdf = parseTelegram({ update_id: 3, message: { message_id: 3, chat, document: { file_id: 'pdf', mime_type: 'application/pdf' } } as never });
    expect(pdf).toMatchObject({ input: { unsupported: true } });
    expect(pdf?.image).toBeUndefined();
  });

  it('Messenger: an image attachment by URL; a sticker is not read', () => {
    const ev = (payload: Record<string, unknown>) => ({ sender: { id: 'P1' }, message: { mid: 'm1', attachments: [{ type: 'image', payload }] } });
    expect(parseMessenger(ev({ url: 'https://cdn.example/a.jpg' }))).toMatchObject({ input: {}, image: { url: 'https://cdn.example/a.jpg' } });
    const sticker = parseMessenger(ev({ url: 'https://cdn.example/s.png', sticker_id: 369239263222822 }));
    expect(sticker).toMatchObject({ input: { unsupported: true } });
    expect(sticker?.image).toBeUndefined();
  });

  it('Zalo: user_send_image by its full-size URL, not the thumbnail', () => {
    const m = parseZalo({
      event_name: 'user_send_image', timestamp: '1735689700000', sender: { id: 'Z1' },
      message: { msg_id: 'x1', text: '', attachments: [{ type: 'image', payload: { thumbnail: 'https://z/t.jpg', url: 'https://z/i.jpg' } }] },
    });
    expect(m).toMatchObject({ userId: 'Z1', messageId: 'x1', input: {}, image: { url: 'https://z/i.jpg' } });
  });
});
