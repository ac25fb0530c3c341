import type { Activity, Turn } from '../core/engine.js';
import type { Button } from '../core/messages.js';
import type { Flows } from '../dialog/flows.js';
import { matchKey } from '../retrieval/normalize.js';
import type { ConversationState, Storage } from '../storage/types.js';
import type { Directory } from './directory.js';
import type { Participation } from './recorder.js';

export const PROFILE_TEXTS = [
  'register.consent', 'register.agree', 'register.decline', 'register.declined', 'register.ask_organisation', 'register.ask_unit',
  'register.skip', 'register.unknown_organisation', 'register.unknown_unit', 'register.done', 'register.no_unit', 'register.already',
  'register.change', 'data.none', 'data.show', 'data.not_set', 'data.confirm_delete', 'data.delete_yes', 'data.delete_no', 'data.deleted', 'data.kept',
] as const;

const YES = new Set(['co', 'dong y', 'toi dong y', 'ok', 'oke', 'yes', 'u', 'uh', 'vang', 'da', 'xoa', 'chac chan']);
const NO = new Set(['khong', 'khong dong y', 'thoi', 'no', 'khong xoa', 'huy']);

/** Consent, registration by organisation and commune, "my data" and deletion. */
export class ProfileActivity implements Activity {
  readonly prefix = 'REG';
  readonly actions = ['register.start', 'data.show', 'data.delete'] as const;

  constructor(private deps: { flows: Flows; storage: Storage; participation: Participation; directory: Directory }) {}

  awaitsText(state: ConversationState): boolean {
    return Boolean(state.mode);
  }

  async run(turn: Turn, action: string): Promise<void> {
    const { flows, storage } = this.deps;
    const profile = await storage.getProfile(turn.userKey);
    if (action === 'data.show') {
      if (!profile) return void turn.replies.push({ text: flows.text('data.none'), buttons: flows.menuButtons() });
      const notSet = flows.text('data.not_set');
      turn.replies.push({
        text: flows.text('data.show', {
          consent: profile.consentAt.toLocaleDateString('vi-VN', { timeZone: 'Asia/Ho_Chi_Minh' }),
          organisation: profile.organisation ?? notSet, unit: profile.unit ?? notSet, key: turn.userKey,
        }),
        buttons: flows.menuButtons(),
      });
      return;
    }
    if (action === 'data.delete') {
      if (!profile) return void turn.replies.push({ text: flows.text('data.none'), buttons: flows.menuButtons() });
      turn.state.mode = { kind: 'confirm-delete' };
      turn.replies.push({ text: flows.text('data.confirm_delete'), buttons: [
        { title: flows.text('data.delete_yes'), payload: 'REG:delete:yes' },
        { title: flows.text('data.delete_no'), payload: 'REG:delete:no' },
      ] });
      return;
    }
    if (profile) {
      turn.replies.push({
        text: flows.text('register.already', { organisation: profile.organisation ?? flows.text('data.not_set'), unit: profile.unit ?? flows.text('register.no_unit') }),
        buttons: [{ title: flows.text('register.change'), payload: 'REG:change' }, { title: flows.text('button.menu'), payload: 'MENU' }],
      });
      return;
    }
    turn.state.mode = { kind: 'register', step: 'consent' };
    turn.replies.push({ text: flows.text('register.consent'), buttons: [
      { title: flows.text('register.agree'), payload: 'REG:consent:yes' },
      { title: flows.text('register.decline'), payload: 'REG:consent:no' },
    ] });
  }

  async onPayload(turn: Turn, payload: string): Promise<void> {
    const [, verb, value = ''] = payload.split(':');
    switch (verb) {
      case 'consent': return value === 'yes' ? this.consent(turn) : this.decline(turn);
      case 'change': return this.askOrganisation(turn);
      case 'org': return this.setOrganisation(turn, this.deps.directory.organisations.find((o) => o.code === value)?.name);
      case 'unit': return this.setUnit(turn, value === 'skip' ? null : this.deps.directory.units[Number(value)]?.name);
      case 'delete': return value === 'yes' ? this.delete(turn) : this.keep(turn);
      default: return this.run(turn, 'register.start');
    }
  }

  async onText(turn: Turn, text: string): Promise<boolean> {
    const mode = turn.state.mode;
    const key = matchKey(text);
    if (mode?.kind === 'confirm-delete') {
      if (YES.has(key)) await this.delete(turn);
      else if (NO.has(key)) await this.keep(turn);
      else return false;
      return true;
    }
    if (mode?.kind !== 'register') return false;
    if (mode.step === 'consent') {
      if (YES.has(key)) await this.consent(turn);
      else if (NO.has(key)) await this.decline(turn);
      else return false;
      return true;
    }
    if (mode.step === 'organisation') {
      const org = this.deps.directory.findOrganisation(text);
      if (!org) {
        turn.replies.push({ text: this.deps.flows.text('register.unknown_organisation', { text: text.slice(0, 60) }), buttons: this.organisationButtons() });
        return true;
      }
      await this.setOrganisation(turn, org.name);
      return true;
    }
    if (key === matchKey(this.deps.flows.text('register.skip'))) {
      await this.setUnit(turn, null);
      return true;
    }
    const n = Number(key);
    const unit = Number.isInteger(n) && n >= 1 ? this.deps.directory.units[n - 1] : this.deps.directory.findUnit(text);
    if (!unit) {
      turn.replies.push({ text: this.deps.flows.text('register.unknown_unit', { text: text.slice(0, 60) }), buttons: this.unitButtons() });
      return true;
    }
    await this.setUnit(turn, unit.name);
    return true;
  }

  private organisationButtons(): Button[] {
    return this.deps.directory.organisations.map((o) => ({ title: o.name, payload: `REG:org:${o.code}` }));
  }

  private unitButtons(): Button[] {
    return [
      ...this.deps.directory.units.map((u, i) => ({ title: u.label, payload: `REG:unit:${i}` })),
      { title: this.deps.flows.text('register.skip'), payload: 'REG:unit:skip' },
    ];
  }

  private async consent(turn: Turn): Promise<void> {
    const { storage } = this.deps;
    const existing = await storage.getProfile(turn.userKey);
    await storage.saveProfile({ userKey: turn.userKey, channel: turn.inbound.channel, consentAt: existing?.consentAt ?? turn.inbound.receivedAt,
      organisation: existing?.organisation, unit: existing?.unit });
    await this.askOrganisation(turn);
  }

  private async decline(turn: Turn): Promise<void> {
    delete turn.state.mode;
    turn.replies.push({ text: this.deps.flows.text('register.declined'), buttons: this.deps.flows.menuButtons() });
  }

  private async askOrganisation(turn: Turn): Promise<void> {
    if (!(await this.deps.storage.getProfile(turn.userKey))) return this.run(turn, 'register.start');
    turn.state.mode = { kind: 'register', step: 'organisation' };
    turn.replies.push({ text: this.deps.flows.text('register.ask_organisation'), buttons: this.organisationButtons() });
  }

  private async setOrganisation(turn: Turn, organisation: string | undefined): Promise<void> {
    const profile = await this.deps.storage.getProfile(turn.userKey);
    if (!profile) return this.run(turn, 'register.start');
    if (!organisation) return this.askOrganisation(turn);
    await this.deps.storage.saveProfile({ ...profile, organisation });
    turn.state.mode = { kind: 'register', step: 'unit' };
    turn.replies.push({ text: this.deps.flows.text('register.ask_unit'), buttons: this.unitButtons() });
  }

  private async setUnit(turn: Turn, unit: string | null | undefined): Promise<void> {
    const { flows, storage, participation } = this.deps;
    const profile = await storage.getProfile(turn.userKey);
    if (!profile) return this.run(turn, 'register.start');
    if (unit === undefined) return void turn.replies.push({ text: flows.text('register.ask_unit'), buttons: this.unitButtons() });
    await storage.saveProfile({ ...profile, unit: unit ?? undefined });
    delete turn.state.mode;
    await participation.record(turn, 'registration');
    turn.replies.push({
      text: flows.text('register.done', { organisation: profile.organisation ?? flows.text('data.not_set'), unit: unit ?? flows.text('register.no_unit') }),
      buttons: flows.menuButtons(),
    });
  }

  private async delete(turn: Turn): Promise<void> {
    delete turn.state.mode;
    await this.deps.storage.deletePersonalData(turn.userKey);
    turn.replies.push({ text: this.deps.flows.text('data.deleted'), buttons: this.deps.flows.menuButtons() });
  }

  private async keep(turn: Turn): Promise<void> {
    delete turn.state.mode;
    turn.replies.push({ text: this.deps.flows.text('data.kept'), buttons: this.deps.flows.menuButtons() });
  }
}
