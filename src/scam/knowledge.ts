import path from 'node:path';
import { z } from 'zod';
import { ContentError, parseYamlFile } from '../content/yaml-file.js';
import { canonical, fold } from '../text/vietnamese.js';
import { compileCue, compilePhrase, type MarkedWords, type Negations } from './phrases.js';

/**
 * What the scam check knows, as content staff edit it in knowledge/scam-signals.yaml: the kinds of signal with
 * their weight and plain explanation, the phrases that reveal each (written without tone marks), the brands
 * people are made to believe in (their official domains and hotlines, from ../shared only), link rules, the
 * advice, and the source. Loaded and compiled once at start; a mistake stops the start naming file and line.
 */

export const SIGNAL_KINDS = ['fake_link', 'short_link', 'link', 'secret', 'money', 'threat', 'bait', 'impersonation', 'app_or_chat'] as const;
export type SignalKind = (typeof SIGNAL_KINDS)[number];
export const VERDICTS = ['scam', 'suspicious', 'no_sign'] as const;
export type Verdict = (typeof VERDICTS)[number];

const folded = z.string().min(1).regex(/^[a-z0-9 ()|*#$]+$/, 'viết thường, không dấu (chỉ a-z, số, dấu cách và ( | ) * # $)');
const domain = z.string().regex(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/, 'tên miền viết thường, ví dụ npc.com.vn');
const markedWord = z.string().regex(/^\p{Ll}+$/u, 'một từ viết thường, có dấu: không, đừng');
const weight = z.number().int().min(0).max(10);
const rule = z.union([folded, z.object({ phrase: folded, weight }).strict(), z.object({ regex: z.string().min(1), weight: weight.optional() }).strict()]);
const kind = z.object({
  title: z.string().min(1), weight, role: z.enum(['action', 'pressure']), why: z.string().min(1), phrases: z.array(rule).default([]),
}).strict();

const schema = z.object({
  source: z.string().min(1),
  thresholds: z.object({ scam: weight, suspicious: weight, combined: weight }).strict()
    .refine((t) => t.scam > t.suspicious && t.combined >= t.suspicious, 'cần scam > suspicious và combined >= suspicious'),
  kinds: z.object(Object.fromEntries(SIGNAL_KINDS.map((k) => [k, kind])) as Record<SignalKind, typeof kind>).strict(),
  negations: z.object({
    words: z.array(markedWord).min(1),
    not: z.array(z.string().regex(/^[a-z]+ [a-z]+$/, 'hai từ viết thường, không dấu: ung dung')).default([]),
    warnings: z.array(folded).default([]),
    barriers: z.array(markedWord).default([]),
    done_before: z.array(markedWord).default([]),
    done_after: z.array(markedWord).default([]),
  }).strict(),
  official_numbers: z.array(z.string().regex(/^\d{3,11}$/, 'chỉ chữ số, không dấu cách')).default([]),
  brands: z.array(z.object({
    id: z.string().regex(/^[a-z_]+$/),
    name: z.string().min(1),
    says: z.array(folded).min(1),
    domain_keys: z.array(z.string().regex(/^[a-z0-9]{2,}$/, 'chữ thường không dấu, ít nhất 2 ký tự')).default([]),
    official: z.array(domain).default([]),
    hotline: z.string().min(1).optional(),
    no_links: z.string().min(1).optional(),
  }).strict()).min(1),
  links: z.object({
    shorteners: z.array(domain), trusted_suffixes: z.array(z.string().regex(/^\.[a-z.]+$/)), tlds: z.array(z.string().regex(/^[a-z]{2,24}$/)).min(1),
    lookalike: z.string().min(1), government: z.string().min(1), strange_letters: z.string().min(1), address: z.string().min(1),
    apk: z.string().min(1), shortener: z.string().min(1), unknown: z.string().min(1),
  }).strict(),
  ask: z.object({
    cues: z.array(folded).min(1), general: z.array(folded).default([]), question: z.array(folded).default([]), narrative: z.array(folded).default([]),
  }).strict(),
  advice: z.object({
    first: z.array(z.string().min(1)).min(1), hotline: z.string().min(1), report: z.string().min(1), lost_money: z.string().min(1), check_site: z.string().min(1),
  }).strict(),
}).strict();

export type ScamSignalsFile = z.infer<typeof schema>;

export interface Rule { re: RegExp; weight: number; raw: boolean }
export interface Brand {
  id: string;
  name: string;
  says: RegExp[];
  domainKeys: string[];
  official: string[];
  hotline?: string;
  noLinks?: string;
}

/** The compiled knowledge the detector and the replies use. */
export interface ScamKnowledge {
  source: string;
  thresholds: { scam: number; suspicious: number; combined: number };
  kinds: Record<SignalKind, { title: string; weight: number; role: 'action' | 'pressure'; why: string; rules: Rule[] }>;
  negations: Negations;
  /** Official hotlines and report numbers, digits only: calling them is advice, not a signal. */
  hotlines: ReadonlySet<string>;
  brands: Brand[];
  links: ScamSignalsFile['links'] & { tldSet: Set<string> };
  advice: ScamSignalsFile['advice'];
  /** How people ask for a check; how a general question, a question and a told story read (those go to the knowledge base). */
  ask: { cues: RegExp[]; general: RegExp[]; question: RegExp[]; narrative: RegExp[] };
}

export const SCAM_SIGNALS_FILE = 'scam-signals.yaml';

/** Reads and compiles knowledge/scam-signals.yaml; a bad entry stops the start with file, line and what is wrong. */
export function loadScamKnowledge(knowledgeDir: string): ScamKnowledge {
  const file = path.join(knowledgeDir, SCAM_SIGNALS_FILE);
  const y = parseYamlFile(file);
  const parsed = schema.safeParse(y.doc.toJS());
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ContentError(`${y.where(issue.path)}: ${issue.path.join('.') || '(file)'}: ${issue.message}`);
  }
  const data = parsed.data;
  const compile = <T>(where: (string | number)[], make: () => T): T => {
    try {
      return make();
    } catch (e) {
      throw new ContentError(`${y.where(where)}: ${where.join('.')}: ${(e as Error).message}`);
    }
  };
  const kinds = Object.fromEntries(SIGNAL_KINDS.map((k) => {
    const def = data.kinds[k];
    const rules = def.phrases.map((r, i): Rule => compile(['kinds', k, 'phrases', i], () => {
      if (typeof r === 'string') return { re: compilePhrase(r), weight: def.weight, raw: false };
      if ('phrase' in r) return { re: compilePhrase(r.phrase), weight: r.weight, raw: false };
      return { re: new RegExp(r.regex, 'giu'), weight: r.weight ?? def.weight, raw: true };
    }));
    return [k, { title: def.title, weight: def.weight, role: def.role, why: def.why, rules }];
  })) as ScamKnowledge['kinds'];
  const brands = data.brands.map((b, i): Brand => ({
    id: b.id, name: b.name, domainKeys: b.domain_keys, official: b.official, hotline: b.hotline, noLinks: b.no_links,
    says: b.says.map((s, j) => compile(['brands', i, 'says', j], () => compilePhrase(s))),
  }));
  return {
    source: data.source, thresholds: data.thresholds, kinds, brands, advice: data.advice,
    negations: {
      ...markedWords(data.negations.words), not: new Set(data.negations.not), warnings: data.negations.warnings.map((n) => compileCue(n)),
      barriers: markedWords(data.negations.barriers), doneBefore: markedWords(data.negations.done_before), doneAfter: markedWords(data.negations.done_after),
    },
    hotlines: new Set(data.official_numbers),
    links: { ...data.links, tldSet: new Set(data.links.tlds) },
    ask: {
      cues: data.ask.cues.map((c, i) => compile(['ask', 'cues', i], () => compilePhrase(c))),
      general: data.ask.general.map((c, i) => compile(['ask', 'general', i], () => compilePhrase(c))),
      question: data.ask.question.map((c, i) => compile(['ask', 'question', i], () => compilePhrase(c))),
      narrative: data.ask.narrative.map((c, i) => compile(['ask', 'narrative', i], () => compilePhrase(c))),
    },
  };
}

/** Words with their marks, for matching as typed: folded, and as written. */
function markedWords(list: readonly string[]): MarkedWords {
  return { words: new Set(list.map((w) => fold(w))), marked: new Set(list.map((w) => canonical(w))) };
}
