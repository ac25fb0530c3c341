import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { matchKey } from '../text/vietnamese.js';

const unitsSchema = z.object({ units: z.array(z.object({ name: z.string().min(1), kind: z.enum(['xa', 'phuong']) })).min(1) });
const orgsSchema = z.object({ organisations: z.array(z.object({ code: z.string().regex(/^[a-z]+$/), name: z.string().min(1) })).min(1) });

/** A commune-level unit; `key` is its name as a slug, stable across reorderings of units.yaml (buttons carry it). */
export interface Unit { key: string; name: string; kind: 'xa' | 'phuong'; label: string }
export interface Organisation { code: string; name: string }

/** The province's commune-level units and the organisations people register under; from data files. */
export class Directory {
  constructor(readonly units: Unit[], readonly organisations: Organisation[]) {}

  static load(knowledgeDir: string): Directory {
    const read = <T>(file: string, schema: z.ZodType<T>): T => {
      const full = path.join(knowledgeDir, file);
      const r = schema.safeParse(parse(fs.readFileSync(full, 'utf8')));
      if (!r.success) throw new Error(`${full}: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      return r.data;
    };
    const units = read('units.yaml', unitsSchema).units.map((u) => ({ ...u, key: matchKey(u.name).replace(/ /g, '-'), label: `${u.kind === 'xa' ? 'Xã' : 'Phường'} ${u.name}` }));
    const keys = new Set(units.map((u) => u.key));
    if (keys.size !== units.length) throw new Error(`${path.join(knowledgeDir, 'units.yaml')}: two units have the same name`);
    return new Directory(units, read('organisations.yaml', orgsSchema).organisations);
  }

  unitByKey(key: string): Unit | undefined {
    return this.units.find((u) => u.key === key);
  }

  /** A unit by typed name, with or without "xã"/"phường" and tone marks; undefined if none or ambiguous. */
  findUnit(text: string): Unit | undefined {
    const key = matchKey(text).replace(/^(xa|phuong)\s+/, '');
    return this.units.find((u) => matchKey(u.name) === key);
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
