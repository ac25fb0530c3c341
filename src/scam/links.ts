import { canonical } from '../text/vietnamese.js';
import type { Brand, ScamKnowledge } from './knowledge.js';
import { URL_RE } from './phrases.js';

/** A link in a message and what its domain is. */
export interface LinkFinding {
  /** As written (for the quote). */
  text: string;
  /** Offsets in the message. */
  span: [number, number];
  host: string;
  kind: 'official' | 'government' | 'lookalike' | 'strange' | 'shortener' | 'unknown';
  /** The brand whose name the domain borrows, for a look-alike; the brand it belongs to, for an official one. */
  brand?: Brand;
  /** What the domain borrows ("vneid", ".gov.vn"). */
  borrowed?: string;
  /** The link downloads an app (.apk), whatever its domain. */
  apk?: boolean;
}

const TRAILING = /[.,;:!?…]+$/;
// Digits people put for letters in look-alike domains (vne1d, agr1bank, 3vn).
const LEET: Record<string, string> = { 0: 'o', 1: 'i', 3: 'e', 4: 'a', 5: 's', 7: 't', 8: 'b' };

/**
 * Every link in a message, with its domain classified against the known brands. `fromImage`: the text was read
 * from a screenshot, where 1 and l, 0 and o look alike, so an official domain read with one for the other is still it.
 */
export function findLinks(message: string, k: Pick<ScamKnowledge, 'brands' | 'links'>, fromImage = false): LinkFinding[] {
  const written = message.normalize('NFC');
  const lower = canonical(written);
  const found: LinkFinding[] = [];
  for (const m of lower.matchAll(URL_RE)) {
    const text = m[0].replace(TRAILING, '');
    const explicit = /^(https?:\/\/|www\.)/.test(text);
    const host = text.replace(/^https?:\/\//, '').replace(/^www\./, '').split(/[/:]/)[0]!;
    const labels = host.split('.');
    const tld = labels[labels.length - 1]!;
    // "0865.xxx.xxx" is a masked phone number, "tp.hcm" an abbreviation: a bare word.word is a link only with a known ending.
    if (!explicit && !k.links.tldSet.has(tld)) continue;
    if (!labels.slice(0, -1).some((l) => /[a-wyz]/.test(l))) continue;
    const span: [number, number] = [m.index, m.index + text.length];
    const source = written.slice(span[0], span[1]);
    const read = classify(host, k);
    const misread = fromImage && read.kind !== 'official' ? classify(host.replace(/[li]/g, '1').replace(/o/g, '0'), k, true) : undefined;
    found.push({ text: source, span, host, apk: /\.apk\b|(^|[.-])apk([.-]|$)/.test(text), ...(misread?.kind === 'official' ? misread : read) });
  }
  return found;
}

function classify(host: string, k: Pick<ScamKnowledge, 'brands' | 'links'>, digits = false): Pick<LinkFinding, 'kind' | 'brand' | 'borrowed'> {
  // With `digits`, the official domains are compared with their 1/l and 0/o written as digits too.
  const as = (d: string) => (digits ? d.replace(/[li]/g, '1').replace(/o/g, '0') : d);
  const under = (domain: string) => host === as(domain) || host.endsWith(`.${as(domain)}`);
  const owner = k.brands.find((b) => b.official.some(under));
  if (owner) return { kind: 'official', brand: owner };
  if (k.links.trusted_suffixes.some((s) => host.endsWith(s))) return { kind: 'government' };
  if (/(^|\.)xn--/.test(host) || /[^\x00-\x7f]/.test(host) || /^\d+(\.\d+){3}$/.test(host)) return { kind: 'strange' };
  if (k.links.shorteners.some(under)) return { kind: 'shortener' };
  // "dichvucong-gov.vn.cc", "bocongan-gov.vn": dressed as a state domain without being one.
  if (/(^|[.-])gov([.-]|$)|govvn/.test(host)) return { kind: 'lookalike', borrowed: '.gov.vn' };
  const borrowed = borrowedBrand(host, k.brands);
  if (borrowed) return { kind: 'lookalike', ...borrowed };
  return { kind: 'unknown' };
}

/** A brand whose name the domain spells (also with digits for letters, or one letter off): "vcb-sinhtrac.com", "vne1d.top". */
function borrowedBrand(host: string, brands: readonly Brand[]): { brand: Brand; borrowed: string } | undefined {
  const registered = host.split('.').slice(0, -1);
  const parts = registered.flatMap((l) => l.split('-'));
  const squashed = registered.join('').replace(/-/g, '');
  const plain = squashed.replace(/[0-9]/g, (d) => LEET[d] ?? d);
  for (const brand of brands) {
    for (const key of brand.domainKeys) {
      // Two letters ("mb") only as a whole part of the name, three ("vcb", "evn") also at its start, longer ones anywhere.
      const hit = key.length === 2 ? parts.includes(key)
        : key.length === 3 ? parts.some((p) => p.startsWith(key))
        : squashed.includes(key) || plain.includes(key) || parts.some((p) => p.length >= 5 && oneOff(p, key));
      if (hit) return { brand, borrowed: key };
    }
  }
  return undefined;
}

/** One letter added, dropped or changed ("vnied" is not, "vneidd" and "agribamk" are). */
function oneOff(a: string, b: string): boolean {
  if (a === b || Math.abs(a.length - b.length) > 1 || b.length < 5) return false;
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  if (a.length === b.length) return a.slice(i + 1) === b.slice(i + 1);
  return a.length > b.length ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
}
