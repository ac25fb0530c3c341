import type { Button } from '../core/messages.js';
import type { Activity, ConversationState, Dialog, Recorder, Turn } from '../core/ports.js';
import { takeUnclaimedAttempts } from '../core/unclaimed.js';
import { matchKey } from '../text/vietnamese.js';
import type { ParticipationStore } from '../storage/ports.js';
import type { Directory } from './directory.js';
import { MY_DATA_TEXTS, myDataText } from './my-data.js';
import type { Place } from './unit-finder.js';
import { lowerFirst, profilePayloads, SKIP, UNIT_STEP_TEXTS, UnitStep } from './unit-step.js';

export { profilePayloads };

export const PROFILE_TEXTS = [
  'register.consent', 'register.agree', 'register.decline', 'register.declined', 'register.ask_organisation',
  'register.unknown_organisation', 'register.done', 'register.no_unit', 'register.already',
  'register.change', 'data.none', 'data.confirm_delete', 'data.delete_yes', 'data.delete_no', 'data.deleted', 'data.kept',
  ...UNIT_STEP_TEXTS, ...MY_DATA_TEXTS,
] as const;

const YES = new Set(['co', 'dong y', 'toi dong y', 'ok', 'oke', 'yes', 'u', 'uh', 'vang', 'da', 'xoa', 'chac chan']);
const NO = new Set(['khong', 'khong dong y', 'thoi', 'no', 'khong xoa', 'huy']);
/** The question this activity is waiting for, kept in the conversation state's `profile` slot. */
export type ProfileMode = { kind: 'register'; step: 'consent' | 'organisation' | 'unit' } | { kind: 'confirm-delete' };
const modeOf = (state: ConversationState) => state.profile as ProfileMode | undefined;

/** Consent, registration by organisation and commune, "my data" and deletion. */
export class ProfileActivity implements Activity {
  readonly prefix = profilePayloads.prefix;
  readonly actions = ['register.start', 'data.show', 'data.delete'] as const;

  private units: UnitStep;

  constructor(private deps: {
    dialog: Dialog; store: ParticipationStore; recorder: Recorder; directory: Directory; quizTitles: ReadonlyMap<string, string>;
    /** Other things kept about the person (a subscription, a conversation with staff), as lines for "Dữ liệu của tôi". */
    more?: (userKey: string) => Promise<string[]>;
    retentionDays: number;
  }) {
    this.units = new UnitStep(deps.dialog, deps.directory);
  }

  awaitsText(state: ConversationState): boolean {
    return Boolean(modeOf(state));
  }

  onLeave(state: ConversationState): void {
    delete state.profile;
  }

  async run(turn: Turn, action: string): Promise<void> {
    const { dialog, store } = this.deps;
    const profile = await store.getProfile(turn.userKey);
    const more = action === 'register.start' ? [] : ((await this.deps.more?.(turn.userKey)) ?? []);
    // Erasure is offered to everyone: people who never registered still have a conversation and questions kept.
    if (!profile && !more.length && action === 'data.show') {
      return void turn.replies.push({ text: dialog.text('data.none', { days: this.deps.retentionDays }), buttons: dialog.menuButtons() });
    }
    if (action === 'data.show') {
      turn.replies.push({
        text: profile ? await myDataText(this.deps, profile, more) : dialog.text('outreach.data_only', { lines: more.join('\n') }),
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
        text: dialog.text('register.already', { organisation: profile.organisation ?? dialog.text('data.not_set'), unit: this.unitLabel(profile.unit) }),
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
      case 'unit': return this.setUnit(turn, p.args.key === SKIP ? null : this.placeOf(this.deps.directory.unitByKey(p.args.key)));
      case 'former': return this.setUnit(turn, this.deps.directory.formerByKeyOf(p.args.key));
      case 'areas': return void turn.replies.push(this.units.areas());
      case 'area': {
        const area = this.deps.directory.areaByKey(p.args.key);
        return void turn.replies.push(area ? this.units.area(area) : this.units.areas());
      }
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
    const answer = this.units.answer(text);
    if ('unit' in answer) await this.setUnit(turn, answer);
    else turn.replies.push(answer);
    return true;
  }

  private organisationButtons(): Button[] {
    return this.deps.directory.organisations.map((o) => ({ title: o.name, payload: profilePayloads.encode('org', { code: o.code }) }));
  }

  private placeOf(unit: Place['unit'] | undefined): Place | undefined {
    return unit && { unit };
  }

  /** "xã Bình Lư", or "chưa chọn xã/phường". */
  private unitLabel(name: string | undefined): string {
    const unit = name ? this.deps.directory.units.find((u) => u.name === name) : undefined;
    return unit ? lowerFirst(unit.label) : name ?? this.deps.dialog.text('register.no_unit');
  }

  private async consent(turn: Turn): Promise<void> {
    const { store } = this.deps;
    const existing = await store.getProfile(turn.userKey);
    await store.saveProfile({ userKey: turn.userKey, channel: turn.inbound.channel, consentAt: existing?.consentAt ?? turn.inbound.receivedAt,
      organisation: existing?.organisation, unit: existing?.unit });
    // The consent text promises that quizzes done before agreeing count: tie this conversation's attempts to the person.
    await store.claimAttempts(turn.userKey, takeUnclaimedAttempts(turn.state));
    await this.askOrganisation(turn);
  }

  private async decline(turn: Turn): Promise<void> {
    delete turn.state.profile;
    // No consent: nothing may tie the earlier attempts to this person any more.
    takeUnclaimedAttempts(turn.state);
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
    await this.deps.store.fillAffiliation(turn.userKey, organisation, profile.unit);
    turn.state.profile = { kind: 'register', step: 'unit' } satisfies ProfileMode;
    turn.replies.push(this.units.ask());
  }

  /** Registers the commune (null: skipped); says what an old name is today. */
  private async setUnit(turn: Turn, place: Place | null | undefined): Promise<void> {
    const { dialog, store, recorder } = this.deps;
    const profile = await store.getProfile(turn.userKey);
    if (!profile) return this.run(turn, 'register.start');
    if (place === undefined) return void turn.replies.push(this.units.ask());
    const unit = place?.unit.name;
    await store.saveProfile({ ...profile, unit });
    await store.fillAffiliation(turn.userKey, profile.organisation, unit);
    delete turn.state.profile;
    await recorder.record(turn, 'registration');
    const done = dialog.text('register.done', { organisation: profile.organisation ?? dialog.text('data.not_set'), unit: this.unitLabel(unit) });
    turn.replies.push({ text: [place && this.units.confirmation(place), done].filter(Boolean).join('\n'), buttons: dialog.menuButtons() });
  }

  private async delete(turn: Turn): Promise<void> {
    takeUnclaimedAttempts(turn.state);
    // The conversation's memory goes too (a quiz in progress, the last questions kept for staff); the engine then
    // does not write it back.
    for (const slot of Object.keys(turn.state)) if (slot !== 'greeted') delete turn.state[slot];
    await this.deps.store.deletePersonalData({ userKey: turn.userKey, channel: turn.inbound.channel, userId: turn.inbound.userId });
    turn.forgotten = true;
    turn.replies.push({ text: this.deps.dialog.text('data.deleted'), buttons: this.deps.dialog.menuButtons() });
  }

  private async keep(turn: Turn): Promise<void> {
    delete turn.state.profile;
    turn.replies.push({ text: this.deps.dialog.text('data.kept'), buttons: this.deps.dialog.menuButtons() });
  }
}
