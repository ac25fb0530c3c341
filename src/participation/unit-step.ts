import type { Button, Reply } from '../core/messages.js';
import { payloadCodec } from '../core/payload.js';
import type { Dialog } from '../core/ports.js';
import type { Area, Directory } from './directory.js';
import { UnitFinder, type Place } from './unit-finder.js';

export const UNIT_STEP_TEXTS = [
  'register.ask_unit', 'register.skip', 'register.by_area', 'register.by_area_button', 'register.other_area', 'register.area_units', 'register.unit_which',
  'register.unit_suggest', 'register.unknown_unit', 'register.unit_now', 'register.place_new', 'register.place_old',
] as const;

export const SKIP = 'skip';
export const profilePayloads = payloadCodec('REG', {
  consent: ['answer'], change: [], org: ['code'], unit: ['key'], former: ['key'], areas: [], area: ['key'], delete: ['answer'],
});

export const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

/**
 * The commune question on a phone: type a name (today's or an old one), or browse by old district, never a wall of
 * 38 buttons. Builds the replies; the profile activity decides what to store.
 */
export class UnitStep {
  readonly finder: UnitFinder;

  constructor(private dialog: Dialog, private directory: Directory) {
    this.finder = new UnitFinder(directory);
  }

  ask(): Reply {
    return { text: this.dialog.text('register.ask_unit'), buttons: [...this.areaButtons(), this.skip()] };
  }

  areas(): Reply {
    return { text: this.dialog.text('register.by_area'), buttons: [...this.areaButtons(), this.skip()] };
  }

  area(area: Area): Reply {
    return {
      // The district's own name ("thành phố Lai Châu"): lower-casing the short label would give "tP Lai Châu".
      text: this.dialog.text('register.area_units', { area: `${area.district} cũ` }),
      buttons: [...area.units.map((u) => this.placeButton({ unit: u })), { title: this.dialog.text('register.other_area'), payload: profilePayloads.encode('areas', {}) }, this.skip()],
    };
  }

  /** The reply to a typed name that is not one place: which of these, or the closest names. */
  answer(text: string): Reply | Place {
    const found = this.finder.find(text);
    const shown = text.trim().slice(0, 60);
    switch (found.kind) {
      case 'found': return found.place;
      case 'area': return this.area(found.area);
      case 'choose': {
        const lines = found.places.map((p) => `• ${this.describe(p)}`).join('\n');
        const buttons = found.places.map((p) => this.placeButton(p));
        if (found.area) buttons.push(this.areaButton(found.area));
        return { text: this.dialog.text('register.unit_which', { text: shown, places: lines }), buttons: [...buttons, this.skip()] };
      }
      case 'suggest': {
        const text = [this.dialog.text('register.unknown_unit', { text: shown }), found.places.length ? this.dialog.text('register.unit_suggest') : ''].filter(Boolean).join('\n');
        return { text, buttons: [...found.places.map((p) => this.placeButton(p)), { title: this.dialog.text('register.by_area_button'), payload: profilePayloads.encode('areas', {}) }, this.skip()] };
      }
    }
  }

  /** "Xã Sơn Bình (huyện Tam Đường cũ) nay là xã Bình Lư." when the person named an old unit. */
  confirmation(place: Place): string | undefined {
    return place.former && this.dialog.text('register.unit_now', { former: capitalFirst(place.former.label), unit: lowerFirst(place.unit.label) });
  }

  private describe(p: Place): string {
    if (p.former) return this.dialog.text('register.place_old', { former: capitalFirst(p.former.label), unit: lowerFirst(p.unit.label) });
    return this.dialog.text('register.place_new', { unit: p.unit.label, formerly: p.unit.formerly.map((f) => f.title).join(', ') });
  }

  private placeButton(p: Place): Button {
    return p.former
      ? { title: `${p.unit.label} (${p.former.name} cũ)`, payload: profilePayloads.encode('former', { key: p.former.key }) }
      : { title: p.unit.label, payload: profilePayloads.encode('unit', { key: p.unit.key }) };
  }

  private areaButtons(): Button[] {
    return this.directory.areas.map((a) => this.areaButton(a));
  }

  private areaButton(a: Area): Button {
    return { title: a.label, payload: profilePayloads.encode('area', { key: a.key }) };
  }

  private skip(): Button {
    return { title: this.dialog.text('register.skip'), payload: profilePayloads.encode('unit', { key: SKIP }) };
  }
}

const capitalFirst = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
