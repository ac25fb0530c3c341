import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { fold, matchKey } from '../text/vietnamese.js';

const formerSchema = z.object({
  name: z.string().min(1), kind: z.enum(['xa', 'phuong', 'thi-tran']), district: z.string().regex(/^(huyện|thành phố) \S/),
  also: z.array(z.string().min(1)).optional(),
}).strict();
const unitsSchema = z.object({
  units: z.array(z.object({ name: z.string().min(1), kind: z.enum(['xa', 'phuong']), formerly: z.array(formerSchema).min(1) }).strict()).min(1),
});
const orgsSchema = z.object({ organisations: z.array(z.object({ code: z.string().regex(/^[a-z]+$/), name: z.string().min(1) })).min(1) });

const KIND_LABEL = { xa: 'xã', phuong: 'phường', 'thi-tran': 'thị trấn' } as const;
const slug = (s: string) => fold(s).replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
/** A place name folded, without spaces or punctuation: "Sì Lở Lầu", "si lo lau", "SiLoLau" are one key. */
export const unitNameKey = (s: string) => fold(s).replace(/[^a-z0-9]/g, '');
const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** A commune-level unit before 01/7/2025, merged into one of today's units. */
export interface FormerUnit {
  /** Stable key: kind, name and old district ("xa.son-binh.tam-duong"; a town and a commune could share a name); buttons carry it. */
  key: string;
  name: string;
  kind: keyof typeof KIND_LABEL;
  /** "huyện Tam Đường", "thành phố Lai Châu". */
  district: string;
  /** Other spellings of the same old unit (the resolution and the old code list differ on a few). */
  also: string[];
  /** "xã Sơn Bình". */
  title: string;
  /** "xã Sơn Bình (huyện Tam Đường cũ)". */
  label: string;
}

/** A commune-level unit; `key` is its name as a slug, stable across reorderings of units.yaml (buttons carry it). */
export interface Unit { key: string; name: string; kind: 'xa' | 'phuong'; label: string; formerly: FormerUnit[] }

/** An old district: a way to browse today's units on a phone, since people still know their old district. */
export interface Area { key: string; district: string; label: string; units: Unit[] }

export interface Organisation { code: string; name: string }

/** The province's commune-level units (today's and the old ones they replaced) and the organisations people register under. */
export class Directory {
  readonly areas: Area[];
  private formerByKey: Map<string, { unit: Unit; former: FormerUnit }>;

  constructor(readonly units: Unit[], readonly organisations: Organisation[]) {
    this.formerByKey = new Map(units.flatMap((unit) => unit.formerly.map((former) => [former.key, { unit, former }] as const)));
    const areas = new Map<string, Area>();
    for (const u of units) {
      for (const f of u.formerly) {
        const key = slug(f.district);
        const area = areas.get(key) ?? { key, district: f.district, label: `${capitalise(f.district).replace(/^Thành phố/, 'TP')} cũ`, units: [] };
        if (!area.units.includes(u)) area.units.push(u);
        areas.set(key, area);
      }
    }
    this.areas = [...areas.values()];
  }

  static load(knowledgeDir: string): Directory {
    const read = <T>(file: string, schema: z.ZodType<T>): T => {
      const full = path.join(knowledgeDir, file);
      const r = schema.safeParse(parse(fs.readFileSync(full, 'utf8')));
      if (!r.success) throw new Error(`${full}: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      return r.data;
    };
    const file = path.join(knowledgeDir, 'units.yaml');
    const units: Unit[] = read('units.yaml', unitsSchema).units.map((u) => ({
      name: u.name, kind: u.kind, key: slug(u.name), label: `${u.kind === 'xa' ? 'Xã' : 'Phường'} ${u.name}`,
      formerly: u.formerly.map((f) => ({
        name: f.name, kind: f.kind, district: f.district, also: f.also ?? [], key: `${f.kind}.${slug(f.name)}.${slug(f.district.replace(/^(huyện|thành phố) /, ''))}`,
        title: `${KIND_LABEL[f.kind]} ${f.name}`, label: `${KIND_LABEL[f.kind]} ${f.name} (${f.district} cũ)`,
      })),
    }));
    if (new Set(units.map((u) => u.key)).size !== units.length) throw new Error(`${file}: two units have the same name`);
    // Each old unit went into exactly one new unit: listed twice would make its people count twice.
    const seen = new Set<string>();
    for (const f of units.flatMap((u) => u.formerly)) {
      if (seen.has(f.key)) throw new Error(`${file}: the old unit "${f.kind} ${f.name}" (${f.district}) is listed twice`);
      seen.add(f.key);
    }
    return new Directory(units, read('organisations.yaml', orgsSchema).organisations);
  }

  unitByKey(key: string): Unit | undefined {
    return this.units.find((u) => u.key === key);
  }

  formerByKeyOf(key: string): { unit: Unit; former: FormerUnit } | undefined {
    return this.formerByKey.get(key);
  }

  /** Today's unit by its name typed with or without "xã"/"phường" and tone marks (staff filters). */
  findUnit(text: string): Unit | undefined {
    const key = unitNameKey(text.replace(/^\s*(xã|xa|phường|phuong)\s+/i, ''));
    return this.units.find((u) => unitNameKey(u.name) === key);
  }

  /** Every place name the province's units go by: today's, the old ones (and their other spellings), the old districts. */
  placeNames(): string[] {
    const former = this.units.flatMap((u) => u.formerly.flatMap((f) => [f.name, ...f.also, f.district.replace(/^(huyện|thành phố) /i, '')]));
    return [...new Set(['Lai Châu', ...this.units.map((u) => u.name), ...former])];
  }

  areaByKey(key: string): Area | undefined {
    return this.areas.find((a) => a.key === key);
  }

  findOrganisation(text: string): Organisation | undefined {
    const key = matchKey(text);
    const exact = this.organisations.find((o) => o.code === key || matchKey(o.name) === key);
    if (exact || !key) return exact;
    // "phu nu", "hoi phu nu", "thanh nien": every typed word is in exactly one organisation's name.
    const typed = key.split(' ');
    const matches = this.organisations.filter((o) => {
      const words = new Set(matchKey(o.name).split(' '));
      return typed.every((w) => words.has(w));
    });
    return matches.length === 1 ? matches[0] : undefined;
  }
}
