import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Inbound } from '../../../src/core/messages.js';
import { Participation, pseudonymSecret } from '../../../src/participation/recorder.js';
import { SqliteDriver } from '../../../src/storage/sql/sqlite-driver.js';
import { sqlStore } from '../../../src/storage/sql/store.js';
import type { Store } from '../../../src/storage/ports.js';
import type { StoredEvent } from '../../../src/storage/types.js';

// The recorder over an in-memory SQLite store: what it writes is read back as staff would see it.

let store: Store;
let recorder: Participation;
beforeEach(async () => {
  store = sqlStore(new SqliteDriver(':memory:'));
  await store.migrate();
  recorder = new Participation(store.participation, 'secret-one');
});
afterEach(() => store.close());

const at = new Date(Date.UTC(2026, 2, 3, 2, 0));
const inbound = (userId: string): Inbound => ({ channel: 'zalo', userId, receivedAt: at, text: 'xin chào' });
async function events(): Promise<StoredEvent[]> {
  const out: StoredEvent[] = [];
  for await (const e of store.participation.iterateEvents({})) out.push(e);
  return out;
}

describe('Participation (the recorder)', () => {
  it('derives a user key that is stable, per channel and person, and depends on the secret', () => {
    const key = recorder.userKey('zalo', '2468013579246801357');
    expect(key).toMatch(/^[\w-]{22}$/);
    expect(recorder.userKey('zalo', '2468013579246801357')).toBe(key);
    expect(new Participation(store.participation, 'secret-one').userKey('zalo', '2468013579246801357')).toBe(key);
    expect(recorder.userKey('messenger', '2468013579246801357')).not.toBe(key);
    expect(recorder.userKey('zalo', '2468013579246801358')).not.toBe(key);
    expect(new Participation(store.participation, 'secret-two').userKey('zalo', '2468013579246801357')).not.toBe(key);
    expect(key).not.toContain('2468013579246801357');
  });

  it('records an anonymous event for someone without a profile: no key, organisation or commune', async () => {
    const userKey = recorder.userKey('zalo', 'u1');
    await recorder.record({ inbound: inbound('u1'), userKey }, 'quiz_completed', { quizId: 'vneid', score: 11, total: 12, passed: true });
    expect(await events()).toEqual([expect.objectContaining({
      at, type: 'quiz_completed', channel: 'zalo', userKey: null, organisation: null, unit: null, quizId: 'vneid', score: 11, total: 12, passed: true,
    })]);
  });

  it('attaches the key, organisation and commune once the person consented', async () => {
    const userKey = recorder.userKey('zalo', 'u2');
    await store.participation.saveProfile({ userKey, channel: 'zalo', consentAt: at, organisation: 'Hội Nông dân', unit: 'Mường Kim' });
    await recorder.record({ inbound: inbound('u2'), userKey }, 'question_answered');
    expect(await events()).toEqual([expect.objectContaining({
      type: 'question_answered', userKey, organisation: 'Hội Nông dân', unit: 'Mường Kim', quizId: null, score: null, passed: null,
    })]);
    // Consent without the details yet: the key only.
    const other = recorder.userKey('zalo', 'u3');
    await store.participation.saveProfile({ userKey: other, channel: 'zalo', consentAt: at });
    await recorder.record({ inbound: inbound('u3'), userKey: other }, 'contact');
    expect((await events()).at(-1)).toMatchObject({ userKey: other, organisation: null, unit: null });
  });

  it('keeps an unanswered question with phone, ID and account numbers and e-mails masked', async () => {
    await recorder.unanswered({ inbound: inbound('u9'), userKey: recorder.userKey('zalo', 'u9') }, 'Số tôi 0912 345 678, CCCD 001234567890, mail lan.nguyen@gmail.com, hỏi giá lúa');
    expect(await store.participation.listUnanswered(5)).toEqual([
      { id: 1, at, channel: 'zalo', text: 'Số tôi [10 chữ số], CCCD [12 chữ số], mail [email], hỏi giá lúa' },
    ]);
  });
});

describe('pseudonymSecret', () => {
  it('uses the configured secret; otherwise makes one once and keeps it for every instance', async () => {
    expect(await pseudonymSecret(store.settings, 'from-config')).toBe('from-config');
    const made = await pseudonymSecret(store.settings);
    expect(made).toMatch(/^[\w-]{43}$/);
    expect(await pseudonymSecret(store.settings)).toBe(made);
    expect(await Promise.all([pseudonymSecret(store.settings), pseudonymSecret(store.settings)])).toEqual([made, made]);
  });
});
