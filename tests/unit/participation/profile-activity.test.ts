import { beforeEach, describe, expect, it } from 'vitest';
import type { Reply } from '../../../src/core/messages.js';
import { ENGINE_TEXTS } from '../../../src/core/engine.js';
import { Flows } from '../../../src/dialog/flows.js';
import { Directory } from '../../../src/participation/directory.js';
import { ProfileActivity, PROFILE_TEXTS } from '../../../src/participation/profile-activity.js';
import { FakeRecorder, MemoryParticipation, turnFor } from '../../helpers/fakes.js';

const dialog = Flows.load('flows', [...ENGINE_TEXTS, ...PROFILE_TEXTS]);
const directory = Directory.load('knowledge');
const KEY = 'key-zalo-u1';
const at = new Date(Date.UTC(2026, 2, 3, 2, 0));

let store: MemoryParticipation;
let recorder: FakeRecorder;
let activity: ProfileActivity;
let state: Record<string, unknown>;

function build(dir = directory) {
  activity = new ProfileActivity({ dialog, store: store.asStore(), recorder, directory: dir, quizTitles: new Map() });
}

beforeEach(() => {
  store = new MemoryParticipation();
  recorder = new FakeRecorder();
  state = {};
  build();
});

const turn = () => turnFor({ state, channel: 'zalo', receivedAt: at });
async function run(action: string): Promise<Reply[]> {
  const t = turn();
  await activity.run(t, action);
  return t.replies;
}
async function press(payload: string): Promise<Reply[]> {
  const t = turn();
  await activity.onPayload(t, payload);
  return t.replies;
}
async function type(text: string): Promise<{ taken: boolean; replies: Reply[] }> {
  const t = turn();
  const taken = await activity.onText(t, text);
  return { taken, replies: t.replies };
}
const only = (replies: Reply[]) => {
  expect(replies).toHaveLength(1);
  return replies[0]!;
};
const profile = () => store.profiles.get(KEY);
const consented = () => store.saveProfile({ userKey: KEY, channel: 'zalo', consentAt: new Date(Date.UTC(2026, 0, 10, 3)) });

describe('ProfileActivity: consent', () => {
  it('asks for consent first, with agree and decline buttons', async () => {
    expect(only(await run('register.start'))).toEqual({ text: dialog.text('register.consent'), buttons: [
      { title: dialog.text('register.agree'), payload: 'REG:consent:yes' }, { title: dialog.text('register.decline'), payload: 'REG:consent:no' },
    ] });
    expect(activity.awaitsText(state)).toBe(true);
    expect(profile()).toBeUndefined();
  });

  it('agreeing by button keeps the consent time, then asks for the organisation', async () => {
    await run('register.start');
    const reply = only(await press('REG:consent:yes'));
    expect(profile()).toEqual({ userKey: KEY, channel: 'zalo', consentAt: at, organisation: undefined, unit: undefined });
    expect(reply.text).toBe(dialog.text('register.ask_organisation'));
    expect(reply.buttons).toEqual(directory.organisations.map((o) => ({ title: o.name, payload: `REG:org:${o.code}` })));
  });

  it('declining by button stores nothing and stops asking', async () => {
    await run('register.start');
    expect(only(await press('REG:consent:no'))).toEqual({ text: dialog.text('register.declined'), buttons: dialog.menuButtons() });
    expect(profile()).toBeUndefined();
    expect(activity.awaitsText(state)).toBe(false);
  });

  it.each(['có', 'Có.', 'đồng ý', 'ok', 'ừ', 'vâng'])('typed "%s" agrees', async (text) => {
    await run('register.start');
    expect((await type(text)).taken).toBe(true);
    expect(profile()?.consentAt).toEqual(at);
  });

  it.each(['khong', 'Không', 'k', 'thôi', 'không đồng ý'])('typed "%s" declines', async (text) => {
    await run('register.start');
    expect(only((await type(text)).replies).text).toBe(dialog.text('register.declined'));
    expect(profile()).toBeUndefined();
  });

  it('hands back other text (a question) and keeps waiting for the answer', async () => {
    await run('register.start');
    expect(await type('dữ liệu này dùng làm gì')).toEqual({ taken: false, replies: [] });
    expect(activity.awaitsText(state)).toBe(true);
    expect(profile()).toBeUndefined();
  });
});

describe('ProfileActivity: organisation and commune', () => {
  beforeEach(async () => {
    await run('register.start');
    await press('REG:consent:yes');
  });

  it('takes the organisation by its code, then asks for the commune with a button per unit by stable key and a skip', async () => {
    const reply = only(await press('REG:org:nongdan'));
    expect(profile()!.organisation).toBe('Hội Nông dân');
    expect(reply.text).toBe(dialog.text('register.ask_unit'));
    expect(reply.buttons).toHaveLength(directory.units.length + 1);
    expect(reply.buttons![0]).toEqual({ title: 'Xã Mường Kim', payload: 'REG:unit:muong-kim' });
    expect(reply.buttons!.at(-1)).toEqual({ title: dialog.text('register.skip'), payload: 'REG:unit:skip' });
  });

  it.each([['hoi nong dan', 'Hội Nông dân'], ['phụ nữ', 'Hội Liên hiệp Phụ nữ'], ['Doan thanh nien', 'Đoàn Thanh niên'], ['ccb', 'Hội Cựu chiến binh']])(
    'takes the organisation typed as "%s"', async (text, name) => {
      expect((await type(text)).taken).toBe(true);
      expect(profile()!.organisation).toBe(name);
    });

  it('asks again, with the buttons, for an organisation it does not know', async () => {
    const { taken, replies } = await type('Hội Người cao tuổi');
    expect(taken).toBe(true);
    expect(only(replies)).toEqual({ text: dialog.text('register.unknown_organisation', { text: 'Hội Người cao tuổi' }), buttons: expect.any(Array) });
    expect(profile()!.organisation).toBeUndefined();
    expect(only(await press('REG:org:khongco')).text).toBe(dialog.text('register.ask_organisation'));
  });

  it('takes the commune by key, records the registration once, and says what was kept', async () => {
    await press('REG:org:phunu');
    const reply = only(await press('REG:unit:muong-kim'));
    expect(reply).toEqual({ text: dialog.text('register.done', { organisation: 'Hội Liên hiệp Phụ nữ', unit: 'Mường Kim' }), buttons: dialog.menuButtons() });
    expect(profile()).toMatchObject({ organisation: 'Hội Liên hiệp Phụ nữ', unit: 'Mường Kim', consentAt: at });
    expect(recorder.types()).toEqual(['registration']);
    expect(activity.awaitsText(state)).toBe(false);
  });

  it('finds a commune button by key even after units.yaml was reordered', async () => {
    await press('REG:org:phunu');
    build(new Directory([...directory.units].reverse(), directory.organisations));
    await press('REG:unit:muong-kim');
    expect(profile()!.unit).toBe('Mường Kim');
  });

  it.each([['xa muong kim', 'Mường Kim'], ['Mường Kim', 'Mường Kim'], ['phuong tan phong', 'Tân Phong'], ['TÂN PHONG', 'Tân Phong'], ['1', 'Mường Kim']])(
    'takes the commune typed as "%s"', async (text, name) => {
      await press('REG:org:doan');
      expect((await type(text)).taken).toBe(true);
      expect(profile()!.unit).toBe(name);
    });

  it('asks again for a commune it does not know, or a button whose key no longer exists', async () => {
    await press('REG:org:doan');
    const { taken, replies } = await type('Hà Nội');
    expect(taken).toBe(true);
    expect(only(replies).text).toBe(dialog.text('register.unknown_unit', { text: 'Hà Nội' }));
    expect(only(await press('REG:unit:son-binh')).text).toBe(dialog.text('register.ask_unit'));
    expect(profile()!.unit).toBeUndefined();
    expect(recorder.types()).toEqual([]);
  });

  it.each([['button', 'REG:unit:skip'], ['typed', 'bo qua'], ['typed with marks', 'Bỏ qua']])('skips the commune (%s)', async (how, input) => {
    await press('REG:org:doan');
    const replies = how === 'button' ? await press(input) : (await type(input)).replies;
    expect(only(replies).text).toBe(dialog.text('register.done', { organisation: 'Đoàn Thanh niên', unit: dialog.text('register.no_unit') }));
    expect(profile()!.unit).toBeUndefined();
    expect(recorder.types()).toEqual(['registration']);
  });
});

describe('ProfileActivity: already registered, my data, deletion', () => {
  it('offers to change the details of someone registered; changing keeps the first consent time', async () => {
    await store.saveProfile({ userKey: KEY, channel: 'zalo', consentAt: new Date(Date.UTC(2026, 0, 10)), organisation: 'Công đoàn', unit: 'Bình Lư' });
    const reply = only(await run('register.start'));
    expect(reply).toEqual({ text: dialog.text('register.already', { organisation: 'Công đoàn', unit: 'Bình Lư' }), buttons: [
      { title: dialog.text('register.change'), payload: 'REG:change' }, { title: dialog.text('button.menu'), payload: 'MENU' },
    ] });
    expect(only(await press('REG:change')).text).toBe(dialog.text('register.ask_organisation'));
    await press('REG:org:ccb');
    await press('REG:unit:muong-kim');
    expect(profile()).toMatchObject({ organisation: 'Hội Cựu chiến binh', unit: 'Mường Kim', consentAt: new Date(Date.UTC(2026, 0, 10)) });
  });

  it('an organisation or commune button without a profile (deleted meanwhile) asks for consent again', async () => {
    expect(only(await press('REG:org:doan')).text).toBe(dialog.text('register.consent'));
    expect(only(await press('REG:unit:muong-kim')).text).toBe(dialog.text('register.consent'));
    expect(only(await press('REG:change')).text).toBe(dialog.text('register.consent'));
    expect(profile()).toBeUndefined();
  });

  it('"my data": nothing kept without a profile; otherwise the consent date, organisation, commune and key', async () => {
    expect(only(await run('data.show'))).toEqual({ text: dialog.text('data.none'), buttons: dialog.menuButtons() });
    await consented();
    expect(only(await run('data.show')).text).toBe(dialog.text('data.show', {
      consent: '10/1/2026', organisation: dialog.text('data.not_set'), unit: dialog.text('data.not_set'), key: KEY,
    }));
  });

  it('deletes after a confirmation by button', async () => {
    await consented();
    expect(only(await run('data.delete'))).toEqual({ text: dialog.text('data.confirm_delete'), buttons: [
      { title: dialog.text('data.delete_yes'), payload: 'REG:delete:yes' }, { title: dialog.text('data.delete_no'), payload: 'REG:delete:no' },
    ] });
    expect(only(await press('REG:delete:yes')).text).toBe(dialog.text('data.deleted'));
    expect(store.deleted).toEqual([KEY]);
    expect(profile()).toBeUndefined();
    expect(activity.awaitsText(state)).toBe(false);
  });

  it('keeps the data when the person says no, by button or typed', async () => {
    await consented();
    await run('data.delete');
    expect(only(await press('REG:delete:no')).text).toBe(dialog.text('data.kept'));
    await run('data.delete');
    expect(only((await type('không xóa')).replies).text).toBe(dialog.text('data.kept'));
    expect(store.deleted).toEqual([]);
    expect(profile()).toBeDefined();
  });

  it('takes a typed "xóa" as the confirmation; hands back anything else', async () => {
    await consented();
    await run('data.delete');
    expect(await type('để làm gì')).toEqual({ taken: false, replies: [] });
    expect((await type('Xóa')).taken).toBe(true);
    expect(store.deleted).toEqual([KEY]);
  });

  it('has nothing to delete without a profile', async () => {
    expect(only(await run('data.delete')).text).toBe(dialog.text('data.none'));
    expect(activity.awaitsText(state)).toBe(false);
  });

  it('forgets a pending question when the person leaves for the menu', async () => {
    await run('register.start');
    expect(activity.awaitsText(state)).toBe(true);
    activity.onLeave(state);
    expect(activity.awaitsText(state)).toBe(false);
    expect(await type('có')).toEqual({ taken: false, replies: [] });
    expect(profile()).toBeUndefined();
  });
});
