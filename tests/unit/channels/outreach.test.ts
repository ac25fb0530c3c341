import { describe, expect, it } from 'vitest';
import { PlatformHttpError } from '../../../src/channels/kit/errors.js';
import { DAY_MS, HOUR_MS, reachOf } from '../../../src/channels/kit/windows.js';
import { classifyMessenger } from '../../../src/channels/messenger/adapter.js';
import { parseTelegram } from '../../../src/channels/telegram/parse.js';
import { classifyTelegram } from '../../../src/channels/telegram/adapter.js';
import { classifyZalo, ZaloApiError } from '../../../src/channels/zalo/adapter.js';
import { parseZalo } from '../../../src/channels/zalo/parse.js';
import { TelegramError } from 'telegraf';
import { tgMemberUpdate } from '../../helpers/fake-telegram.js';
import { zaloFollow } from '../../helpers/fake-zalo.js';

const now = Date.UTC(2026, 5, 1, 12);
const messenger = { automated: DAY_MS, human: 7 * DAY_MS, humanTag: true };
const zalo = { automated: 48 * HOUR_MS, human: 7 * DAY_MS, free: 48 * HOUR_MS };

describe('platform windows', () => {
  it('Telegram (no window): always now', () => {
    expect(reachOf(undefined, undefined, 'broadcast', now)).toEqual({ when: 'now', kind: 'update' });
  });

  it('Messenger: automated within 24 h; later after; staff up to 7 days tagged HUMAN_AGENT past 24 h', () => {
    expect(reachOf(messenger, now - 23 * HOUR_MS, 'broadcast', now)).toMatchObject({ when: 'now', kind: 'update' });
    expect(reachOf(messenger, now - 25 * HOUR_MS, 'broadcast', now)).toMatchObject({ when: 'later' });
    expect(reachOf(messenger, now - 23 * HOUR_MS, 'staff', now)).toMatchObject({ when: 'now', kind: 'response' });
    expect(reachOf(messenger, now - 25 * HOUR_MS, 'staff', now)).toMatchObject({ when: 'now', kind: 'human_agent', deadline: now - 25 * HOUR_MS + 7 * DAY_MS });
    expect(reachOf(messenger, now - 8 * DAY_MS, 'staff', now)).toMatchObject({ when: 'outside' });
    expect(reachOf({ ...messenger, human: DAY_MS, humanTag: false }, now - 25 * HOUR_MS, 'staff', now)).toMatchObject({ when: 'outside' });
  });

  it('Zalo: free for 48 h, staff up to 7 days; an unknown last interaction fails safe', () => {
    expect(reachOf(zalo, now - 60 * HOUR_MS, 'broadcast', now)).toMatchObject({ when: 'later' });
    const staff = reachOf(zalo, now - 60 * HOUR_MS, 'staff', now);
    expect(staff).toMatchObject({ when: 'now', freeUntil: now - 12 * HOUR_MS });
    expect(reachOf(zalo, undefined, 'staff', now)).toEqual({ when: 'outside' });
    expect(reachOf(zalo, undefined, 'notice', now)).toEqual({ when: 'later' });
  });
});

describe('platform feedback', () => {
  it('reads Telegram my_chat_member and Zalo follow/unfollow as membership, not messages', () => {
    expect(parseTelegram(tgMemberUpdate(42, 'kicked') as never)).toMatchObject({ userId: '42', present: false, input: {} });
    expect(parseTelegram(tgMemberUpdate(42, 'member') as never)).toMatchObject({ userId: '42', present: true });
    const group = tgMemberUpdate(-100, 'kicked') as { my_chat_member: { chat: { type: string } } };
    group.my_chat_member.chat.type = 'supergroup';
    expect(parseTelegram(group as never)).toBeUndefined();
    expect(parseZalo(zaloFollow('7', 'unfollow') as never)).toMatchObject({ userId: '7', present: false, input: {} });
    expect(parseZalo(zaloFollow('7') as never)).toMatchObject({ userId: '7', present: true, input: { start: true } });
  });

  it('classifies gone and outside-the-window answers', () => {
    expect(classifyTelegram(new TelegramError({ error_code: 403, description: 'Forbidden: bot was blocked by the user' }))).toMatchObject({ gone: true, retryable: false });
    expect(classifyZalo(new ZaloApiError(-213))).toMatchObject({ gone: true, later: false });
    expect(classifyZalo(new ZaloApiError(-230))).toMatchObject({ gone: false, later: true, retryable: false });
    expect(classifyMessenger(new PlatformHttpError(400, { error: { code: 551 } }, {}))).toMatchObject({ gone: true });
    expect(classifyMessenger(new PlatformHttpError(400, { error: { code: 10, error_subcode: 2018278 } }, {}))).toMatchObject({ later: true, gone: false });
  });
});
