import type { Brand, ScamKnowledge, SignalKind, Verdict } from './knowledge.js';
import { SIGNAL_KINDS } from './knowledge.js';
import { findLinks, type LinkFinding } from './links.js';
import { findPhrase, isDone, isNegated, readStream, streamOffset, type Stream } from './phrases.js';

/** One kind of signal found in a message, with the person's own words that show it. */
export interface Signal {
  kind: SignalKind;
  /** The strongest match's weight (a kind counts once, however often it shows). */
  weight: number;
  /** Quoted parts of the message, most telling first (at most three). */
  quotes: string[];
  /** Why it matters, for this message (a link's own explanation), else the kind's. */
  why: string;
}

export interface Finding {
  verdict: Verdict;
  score: number;
  signals: Signal[];
  /** Brands the message names or whose official site it links to: their real hotlines go into the advice. */
  brands: Brand[];
  links: LinkFinding[];
}

const MAX_QUOTES = 3;
const QUOTE_CHARS = 80;

/** Checks a message against the knowledge's signals: pure, offline, a few milliseconds. `fromImage`: read by OCR. */
export function detectScam(message: string, k: ScamKnowledge, o: { fromImage?: boolean } = {}): Finding {
  const links = findLinks(message, k, o.fromImage);
  const stream = readStream(message, { links: links.map((l) => ({ span: l.span, trusted: l.kind === 'official' || l.kind === 'government' })), hotlines: k.hotlines });
  const signals = new Map<SignalKind, Signal>();
  const add = (kind: SignalKind, weight: number, quote: string, why = k.kinds[kind].why) => {
    const q = quote.length > QUOTE_CHARS ? `${quote.slice(0, QUOTE_CHARS - 1)}…` : quote;
    const s = signals.get(kind);
    if (!s) return void signals.set(kind, { kind, weight, quotes: [q], why });
    // A quote inside a longer one ("nhân viên ngân hàng" in "Em là nhân viên ngân hàng") is said once.
    const others = s.quotes.filter((x) => !q.includes(x));
    if (others.some((x) => x.includes(q))) return void (weight > s.weight && Object.assign(s, { weight, why }));
    if (weight > s.weight) Object.assign(s, { weight, why, quotes: [q, ...others] });
    else s.quotes = [...others, q];
    s.quotes.length = Math.min(s.quotes.length, MAX_QUOTES);
  };
  for (const kind of SIGNAL_KINDS) {
    for (const rule of k.kinds[kind].rules) {
      // A payment told as done ("đã chuyển", "… rồi nhé") is news, not a request.
      const hits = rule.raw ? rawHits(stream, rule.re, k) : findPhrase(stream, rule.re, k.negations)
        .filter((h) => kind !== 'money' || !isDone(stream, h.at, h.end, k.negations)).map((h) => h.quote);
      for (const quote of hits) {
        if (quote) add(kind, rule.weight, quote);
      }
    }
  }
  const brands = mentionedBrands(stream, links, k);
  linkSignals(links, brands, k, add);
  const list = [...signals.values()].filter((s) => s.weight > 0).sort((a, b) => b.weight - a.weight || SIGNAL_KINDS.indexOf(a.kind) - SIGNAL_KINDS.indexOf(b.kind));
  const score = list.reduce((sum, s) => sum + s.weight, 0);
  // Asking for something risky (money, a code, a link, an app) while pressing or luring is the shape of a scam.
  const combined = score >= k.thresholds.combined && (['action', 'pressure'] as const).every((r) => list.some((s) => k.kinds[s.kind].role === r));
  const verdict: Verdict = score >= k.thresholds.scam || combined ? 'scam' : score >= k.thresholds.suspicious ? 'suspicious' : 'no_sign';
  return { verdict, score, signals: list, brands, links };
}

/** Matches of a rule written as a regular expression on the original text, negated like phrases. */
function rawHits(stream: Stream, re: RegExp, k: ScamKnowledge): string[] {
  return [...stream.source.matchAll(re)]
    .filter((m) => !isNegated(stream, streamOffset(stream, m.index), k.negations))
    .map((m) => m[0].trim());
}

function mentionedBrands(stream: Stream, links: LinkFinding[], k: ScamKnowledge): Brand[] {
  const named = k.brands.filter((b) => b.says.some((re) => findPhrase(stream, re).length > 0));
  for (const l of links) if (l.brand && !named.includes(l.brand)) named.push(l.brand);
  return named;
}

/** What each link says about the message: a borrowed name, a shortener, odd letters, an app download, a link where the brand sends none. */
function linkSignals(links: LinkFinding[], brands: Brand[], k: ScamKnowledge, add: (kind: SignalKind, weight: number, quote: string, why?: string) => void): void {
  const L = k.links;
  const fill = (t: string, v: Record<string, string>) => t.replace(/\{(\w+)\}/g, (m, key: string) => v[key] ?? m);
  for (const l of links) {
    const host = l.host;
    if (l.apk) add('app_or_chat', k.kinds.app_or_chat.weight, l.text, fill(L.apk, { link: host }));
    if (l.kind === 'lookalike' && l.brand) {
      const official = l.brand.official.length ? fill(' (trang chính thức: {sites})', { sites: l.brand.official.join(', ') }) : '';
      add('fake_link', k.kinds.fake_link.weight, l.text, fill(L.lookalike, { link: host, key: l.borrowed ?? '', brand: l.brand.name, official }));
    } else if (l.kind === 'lookalike') add('fake_link', k.kinds.fake_link.weight, l.text, fill(L.government, { link: host }));
    else if (l.kind === 'strange') add('fake_link', k.kinds.fake_link.weight, l.text, fill(/^\d/.test(host) ? L.address : L.strange_letters, { link: host }));
    else if (l.kind === 'shortener') add('short_link', k.kinds.short_link.weight, l.text, fill(L.shortener, { link: host }));
    else if (l.kind === 'unknown') {
      // A brand that never sends links (banks since 2025) named next to a link: that alone is a strong sign.
      const strict = brands.find((b) => b.noLinks);
      if (strict) add('link', Math.max(k.kinds.link.weight, k.kinds.fake_link.weight - 1), l.text, strict.noLinks);
      else add('link', k.kinds.link.weight, l.text, fill(L.unknown, { link: host }));
    }
  }
}
