import type { Button } from '../core/messages.js';
import { payloadCodec } from '../core/payload.js';
import type { Activity, ConversationState, Dialog, Recorder, Turn } from '../core/ports.js';
import { matchKey } from '../text/vietnamese.js';
import type { ParticipationStore } from '../storage/ports.js';
import type { Directory } from './directory.js';

export const PROFILE_TEXTS = [
  'register.consent', 'register.agree', 'register.decline', 'register.declined', 'register.ask_organisation', 'register.ask_unit',
  'register.skip', 'register.unknown_organisation', 'register.unknown_unit', 'register.done', 'register.no_unit', 'register.already',
  'register.change', 'data.none', 'data.show', 'data.not_set', 'data.confirm_delete', 'data.delete_yes', 'data.delete_no', 'data.deleted', 'data.kept',
] as const;

const YES = new Set(['co', 'dong y', 'toi dong y', 'ok', 'oke', 'yes', 'u', 'uh', 'vang', 'da', 'xoa', 'chac chan']);
const NO = new Set(['khong', 'khong dong y', 'thoi', 'no', 'khong xoa', 'huy']);
const SKIP = 'skip';

export const profilePayloads = payloadCodec('REG', {
  consent: ['answer'], change: [], org: ['code'], unit: ['key'], delete: ['answer'],
});

/** The question this activity is waiting for, kept in the conversation state's `profile` slot. */
export type ProfileMode = { kind: 'register'; step: 'consent' | 'organisation' | 'unit' } | { kind: 'confirm-delete' };
const modeOf = (state: ConversationState) => state.profile as ProfileMode | undefined;

/** Consent, registration by organisation and commune, "my data" and deletion. */
export class ProfileActivity implements Activity {
  readonly prefix = profilePayloads.prefix;
  readonly actions = ['register.start', 'data.show', 'data.delete'] as const;

  constructor(private deps: { dialog: Dialog; store: ParticipationStore; recorder: Recorder; directory: Directory; retentionDays: number }) {}

  awaitsText(state: ConversationState): boolean {
    return Boolean(modeOf(state));
  }

  onLeave(state: ConversationState): void {
    delete state.profile;
  }

  async run(turn: Turn, action: string): Promise<void> {
    const { dialog, store } = this.deps;
    const profile = await store.getProfile(turn.userKey);
    // Erasure is offered to everyone: people who never registered still have a conversation and questions kept.
    if (!profile && action === 'data.show') {
      return void turn.replies.push({ text: dialog.text('data.none', { days: this.deps.retentionDays }), buttons: dialog.menuButtons() });
    }
    if (action === 'data.show') {
      const notSet = dialog.text('data.not_set');
      turn.replies.push({
        text: dialog.text('data.show', {
          consent: profile!.consentAt.toLocaleDateString('vi-VN', { timeZone: 'Asia/Ho_Chi_Minh' }),
          organisation: profile!.organisation ?? notSet, unit: profile!.unit ?? notSet, key: turn.userKey,
        }),
        buttons: dialog.menuButtons(),
      });
    } else if (action === 'data.delete') {
      turn.state.profile = { kind: 'confirm-delete' } satisfies ProfileMode;
      turn.replies.push({ text: dialog.text('data.confirm_delete'), buttons: [
        { title: dialog.text('data.delete_yes'), payload: profilePayloads.encode('delete', { answer: 'yes' }) },
        { title: dialog.text('data.delete_no'), payload: profilePayloads.encode('delete', { answer: 'no' }) },
      ] });
    } else if (profile) {
      turn.replies.push({
        text: dialog.text('register.already', { organisation: profile.organisation ?? dialog.text('data.not_set'), unit: profile.unit ?? dialog.text('register.no_unit') }),
        buttons: [{ title: dialog.text('register.change'), payload: profilePayloads.encode('change', {}) }, { title: dialog.text('button.menu'), payload: dialog.node('menu').payload! }],
      });
    } else {
      turn.state.profile = { kind: 'register', step: 'consent' } satisfies ProfileMode;
      turn.replies.push({ text: dialog.text('register.consent'), buttons: [
        { title: dialog.text('register.agree'), payload: profilePayloads.encode('consent', { answer: 'yes' }) },
        { title: dialog.text('register.decline'), payload: profilePayloads.encode('consent', { answer: 'no' }) },
      ] });
    }
  }

  async onPayload(turn: Turn, payload: string): Promise<void> {
    const p = profilePayloads.decode(payload);
    switch (p?.verb) {
      case 'consent': return p.args.answer === 'yes' ? this.consent(turn) : this.decline(turn);
      case 'change': return this.askOrganisation(turn);
      case 'org': return this.setOrganisation(turn, this.deps.directory.organisations.find((o) => o.code === p.args.code)?.name);
      case 'unit': return this.setUnit(turn, p.args.key === SKIP ? null : this.deps.directory.unitByKey(p.args.key)?.name);
      case 'delete': return p.args.answer === 'yes' ? this.delete(turn) : this.keep(turn);
      default: return this.run(turn, 'register.start');
    }
  }

  async onText(turn: Turn, text: string): Promise<boolean> {
    const mode = modeOf(turn.state);
    const key = matchKey(text);
    const yesNo = (yes: () => Promise<void>, no: () => Promise<void>) => (YES.has(key) ? yes() : NO.has(key) ? no() : undefined);
    if (mode?.kind === 'confirm-delete') return (await yesNo(() => this.delete(turn), () => this.keep(turn)), YES.has(key) || NO.has(key));
    if (mode?.kind !== 'register') return false;
    if (mode.step === 'consent') return (await yesNo(() => this.consent(turn), () => this.decline(turn)), YES.has(key) || NO.has(key));
    if (mode.step === 'organisation') {
      const org = this.deps.directory.findOrganisation(text);
      if (org) await this.setOrganisation(turn, org.name);
      else turn.replies.push({ text: this.deps.dialog.text('register.unknown_organisation', { text: text.slice(0, 60) }), buttons: this.organisationButtons() });
      return true;
    }
    if (key === matchKey(this.deps.dialog.text('register.skip'))) {
      await this.setUnit(turn, null);
      return true;
    }
    const n = Number(key);
    const unit = Number.isInteger(n) && n >= 1 ? this.deps.directory.units[n - 1] : this.deps.directory.findUnit(text);
    if (unit) await this.setUnit(turn, unit.name);
    else turn.replies.push({ text: this.deps.dialog.text('register.unknown_unit', { text: text.slice(0, 60) }), buttons: this.unitButtons() });
    return true;
  }

  private organisationButtons(): Button[] {
    return this.deps.directory.organisations.map((o) => ({ title: o.name, payload: profilePayloads.encode('org', { code: o.code }) }));
  }

  private unitButtons(): Button[] {
    return [
      ...this.deps.directory.units.map((u) => ({ title: u.label, payload: profilePayloads.encode('unit', { key: u.key }) })),
      { title: this.deps.dialog.text('register.skip'), payload: profilePayloads.encode('unit', { key: SKIP }) },
    ];
  }

  private async consent(turn: Turn): Promise<void> {
    const { store } = this.deps;
    const existing = await store.getProfile(turn.userKey);
    await store.saveProfile({ userKey: turn.userKey, channel: turn.inbound.channel, consentAt: existing?.consentAt ?? turn.inbound.receivedAt,
      organisation: existing?.organisation, unit: existing?.unit });
    await this.askOrganisation(turn);
  }

  private async decline(turn: Turn): Promise<void> {
    delete turn.state.profile;
    turn.replies.push({ text: this.deps.dialog.text('register.declined'), buttons: this.deps.dialog.menuButtons() });
  }

  private async askOrganisation(turn: Turn): Promise<void> {
    if (!(await this.deps.store.getProfile(turn.userKey))) return this.run(turn, 'register.start');
    turn.state.profile = { kind: 'register', step: 'organisation' } satisfies ProfileMode;
    turn.replies.push({ text: this.deps.dialog.text('register.ask_organisation'), buttons: this.organisationButtons() });
  }

  private async setOrganisation(turn: Turn, organisation: string | undefined): Promise<void> {
    const profile = await this.deps.store.getProfile(turn.userKey);
    if (!profile) return this.run(turn, 'register.start');
    if (!organisation) return this.askOrganisation(turn);
    await this.deps.store.saveProfile({ ...profile, organisation });
    turn.state.profile = { kind: 'register', step: 'unit' } satisfies ProfileMode;
    turn.replies.push({ text: this.deps.dialog.text('register.ask_unit'), buttons: this.unitButtons() });
  }

  private async setUnit(turn: Turn, unit: string | null | undefined): Promise<void> {
    const { dialog, store, recorder } = this.deps;
    const profile = await store.getProfile(turn.userKey);
    if (!profile) return this.run(turn, 'register.start');
    if (unit === undefined) return void turn.replies.push({ text: dialog.text('register.ask_unit'), buttons: this.unitButtons() });
    await store.saveProfile({ ...profile, unit: unit ?? undefined });
    delete turn.state.profile;
    await recorder.record(turn, 'registration');
    turn.replies.push({
      text: dialog.text('register.done', { organisation: profile.organisation ?? dialog.text('data.not_set'), unit: unit ?? dialog.text('register.no_unit') }),
      buttons: dialog.menuButtons(),
    });
  }

  private async delete(turn: Turn): Promise<void> {
    delete turn.state.profile;
    await this.deps.store.deletePersonalData({ userKey: turn.userKey, channel: turn.inbound.channel, userId: turn.inbound.userId });
    turn.forgotten = true;
    turn.replies.push({ text: this.deps.dialog.text('data.deleted'), buttons: this.deps.dialog.menuButtons() });
  }

  private async keep(turn: Turn): Promise<void> {
    delete turn.state.profile;
    turn.replies.push({ text: this.deps.dialog.text('data.kept'), buttons: this.deps.dialog.menuButtons() });
  }
}
