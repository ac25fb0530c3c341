import { fold, toneKey, words } from '../text/vietnamese.js';
import { unitNameKey, type Area, type Directory, type FormerUnit, type Unit } from './directory.js';

/** Where a person lives: today's unit, and the old unit they named, if they named an old one. */
export interface Place { unit: Unit; former?: FormerUnit }

export type UnitAnswer =
  /** One place: register it (and say what the old name is today). */
  | { kind: 'found'; place: Place }
  /** The name is used by several places (an old and a new unit, or two old districts): ask which. */
  | { kind: 'choose'; places: Place[]; area?: Area }
  /** An old district's name: show its units. */
  | { kind: 'area'; area: Area }
  /** Nothing matches exactly: the closest names, best first (maybe none). */
  | { kind: 'suggest'; places: Place[] };

type Kind = 'xa' | 'phuong' | 'thi-tran';
interface Entry { accent: string; words: string[]; kind: Kind; areas: string[]; place: Place }

// Words people put around a name: "tôi ở xã Sơn Bình cũ", "thị trấn Tam Đường, huyện Tam Đường".
// No place name starts with one of these (the finder's test checks every name typed bare).
const FILLER = new Set(['toi', 'em', 'minh', 'chau', 'nha', 'song', 'dang', 'o', 'tai', 'thuoc']);
const TRAILING = new Set(['cu', 'moi']);
const KIND_PREFIX: [string[], Kind][] = [[['thi', 'tran'], 'thi-tran'], [['tt'], 'thi-tran'], [['xa'], 'xa'], [['x'], 'xa'], [['phuong'], 'phuong'], [['p'], 'phuong']];
const DISTRICT_WORDS = [['huyen'], ['h'], ['thanh', 'pho'], ['tp']];
const MAX_SUGGESTIONS = 4;

const accentKey = (tokens: string[]) => tokens.map(toneKey).join(' ');
const startsWith = (f: string[], prefix: string[]) => prefix.every((w, i) => f[i] === w);

/**
 * Finds the commune a person typed: today's name or an old one (before 01/7/2025), with or without tone marks,
 * "xã"/"phường"/"thị trấn", the old district, in NFD, run together; close misspellings are offered, never assumed
 * (many names are one letter apart: Than Uyên and Tân Uyên).
 */
export class UnitFinder {
  private byKey = new Map<string, Entry[]>();
  private areaByName = new Map<string, Area>();

  constructor(directory: Directory) {
    for (const unit of directory.units) {
      const areas = directory.areas.filter((a) => a.units.includes(unit)).map((a) => a.key);
      this.add(unit.name, { kind: unit.kind, areas, place: { unit } });
      for (const former of unit.formerly) {
        const area = directory.areas.find((a) => a.district === former.district)!.key;
        for (const name of [former.name, ...former.also]) this.add(name, { kind: former.kind, areas: [area], place: { unit, former } });
      }
    }
    for (const a of directory.areas) this.areaByName.set(unitNameKey(a.district.replace(/^(huyện|thành phố) /, '')), a);
  }

  private add(name: string, e: Omit<Entry, 'accent' | 'words'>): void {
    const key = unitNameKey(name);
    this.byKey.set(key, [...(this.byKey.get(key) ?? []), { ...e, accent: accentKey(words(name)), words: words(name).map(fold) }]);
  }

  find(text: string): UnitAnswer {
    const q = parse(text);
    const area = this.areaOf(q.tokens, q.kind);
    let entries = this.byKey.get(unitNameKey(q.tokens.join(' '))) ?? [];
    if (!entries.length) return area ? { kind: 'area', area } : { kind: 'suggest', places: this.closest(q.tokens) };
    const narrow = (keep: (e: Entry) => boolean) => {
      const kept = entries.filter(keep);
      if (kept.length) entries = kept;
    };
    if (q.kind) narrow((e) => e.kind === q.kind);
    const district = q.district && this.areaOf(q.district);
    if (district) narrow((e) => e.areas.includes(district.key));
    // "Nậm Chà" typed with its tone marks is not "Nậm Cha"; typed without marks it could be either.
    if (new Set(entries.map((e) => e.place.unit)).size > 1) narrow((e) => e.accent === accentKey(q.tokens));
    const places = byUnit(entries);
    // "Tam Đường" was a town and a district: offer the town's commune and the district's list.
    const districtToo = area && !entries.some((e) => !e.place.former) && !q.kind;
    if (places.length === 1 && !districtToo) return { kind: 'found', place: places[0]! };
    return { kind: 'choose', places, ...(districtToo ? { area } : {}) };
  }

  /** An old district named by the tokens ("tam duong", "huyện Mường Tè", "TP Lai Châu"). */
  private areaOf(tokens: string[], kind?: Kind): Area | undefined {
    if (kind) return undefined;
    const f = tokens.map(fold);
    const prefix = DISTRICT_WORDS.find((p) => startsWith(f, p))?.length ?? 0;
    return this.areaByName.get(unitNameKey(tokens.slice(prefix).join(' ')));
  }

  /** Names containing every typed word, or within a typo or two, one place per unit, best first. */
  private closest(tokens: string[]): Place[] {
    const typed = unitNameKey(tokens.join(' '));
    const typedWords = tokens.map(fold);
    if (typed.length < 3) return [];
    const limit = typed.length <= 4 ? 1 : typed.length <= 7 ? 2 : 3;
    const scored: { score: number; entry: Entry }[] = [];
    for (const [key, entries] of this.byKey) {
      const d = distance(typed, key, limit);
      const words = new Set(entries[0]!.words);
      // Every typed word in the name ("suoi ho", "muong") is closer than a misspelling.
      const score = typedWords.every((w) => words.has(w)) ? 0.5 : d <= limit ? d : Infinity;
      if (score < Infinity) for (const entry of entries) scored.push({ score, entry });
    }
    scored.sort((a, b) => a.score - b.score || Number(Boolean(a.entry.place.former)) - Number(Boolean(b.entry.place.former)));
    return byUnit(scored.map((s) => s.entry)).slice(0, MAX_SUGGESTIONS);
  }
}

/** One place per unit, in order: today's name when it matched, else the old unit named. */
function byUnit(entries: Entry[]): Place[] {
  const out = new Map<Unit, Place>();
  for (const e of entries) {
    const had = out.get(e.place.unit);
    if (!had || (had.former && !e.place.former)) out.set(e.place.unit, e.place);
  }
  return [...out.values()];
}

interface Query { tokens: string[]; kind?: Kind; district?: string[] }

/** Splits "tôi ở thị trấn Tam Đường, huyện Tam Đường cũ" into the name, its kind and its district. */
function parse(text: string): Query {
  let tokens = words(text);
  const f = () => tokens.map(fold);
  while (tokens.length > 1 && FILLER.has(f()[0]!)) tokens = tokens.slice(1);
  let kind: Kind | undefined;
  const prefix = KIND_PREFIX.find(([p]) => tokens.length > p.length && startsWith(f(), p));
  if (prefix) {
    kind = prefix[1];
    tokens = tokens.slice(prefix[0].length);
  }
  while (tokens.length > 1 && TRAILING.has(f().at(-1)!)) tokens = tokens.slice(0, -1);
  if (tokens.length > 2 && startsWith(f().slice(-2), ['lai', 'chau']) && !['tp', 'pho'].includes(f().at(-3)!)) {
    tokens = tokens.slice(0, f().at(-3) === 'tinh' ? -3 : -2); // "..., tỉnh Lai Châu"
  }
  for (let i = 1; i < tokens.length; i++) {
    if (DISTRICT_WORDS.some((p) => startsWith(f().slice(i), p))) return { tokens: tokens.slice(0, i), kind, district: tokens.slice(i) };
  }
  return { tokens, kind };
}

/** Damerau-Levenshtein distance, giving up (returning limit + 1) once it exceeds `limit`. */
export function distance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let prev2: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, prev2[j - 2]! + 1);
      cur.push(v);
      best = Math.min(best, v);
    }
    if (best > limit) return limit + 1;
    prev2 = prev;
    prev = cur;
  }
  return prev[b.length]!;
}
