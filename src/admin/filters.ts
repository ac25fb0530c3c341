import { z } from 'zod';
import type { Directory } from '../participation/directory.js';
import type { EventFilter } from '../storage/types.js';
import { CHANNEL_LABELS, vnDayEnd, vnDayStart } from '../participation/stats.js';
import type { Request, Response } from 'express';
import { principalOf, type Principal } from './auth.js';

/** A filter problem, reported as 400 naming the query parameter. */
export class FilterError extends Error {
  constructor(readonly parameter: string, message: string) { super(message); }
}

// Blank form fields arrive as "", which means "no filter".
const blank = (v: unknown) => (v === '' ? undefined : v);
const day = z.preprocess(blank, z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'cần ngày dạng YYYY-MM-DD')
  .refine((s) => {
    const d = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s && d.getUTCFullYear() >= 2000 && d.getUTCFullYear() <= 2100;
  }, 'không phải một ngày có thật (YYYY-MM-DD)').optional());
const text = z.preprocess(blank, z.string('cần một giá trị duy nhất').trim().min(1).max(200).optional());

const querySchema = z.object({
  from: day,
  to: day,
  organisation: text,
  unit: text,
  channel: z.preprocess(blank, z.enum(Object.keys(CHANNEL_LABELS) as [string, ...string[]], 'cần một trong: zalo, messenger, telegram, web').optional()),
  rows: z.preprocess(blank, z.enum(['summary', 'events'], 'cần "summary" hoặc "events"').optional()),
});

export interface ParsedFilter {
  /** For storage: instants, `to` already exclusive (start of the day after). */
  filter: EventFilter;
  fromDay?: string;
  toDay?: string;
  organisation?: string;
  unit?: string;
  channel?: string;
  rows: 'summary' | 'events';
}

/**
 * Validates the query string. Dates are Vietnamese calendar days, `to` inclusive. Organisation and
 * commune names are matched tolerantly (tone marks, "xã"/"phường", codes) and stored canonically.
 * A viewer's organisation always replaces whatever the query asks for.
 */
export function parseFilter(query: unknown, directory: Directory, principal: Principal): ParsedFilter {
  const r = querySchema.safeParse(query ?? {});
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const param = String(issue.path[0] ?? 'query');
    throw new FilterError(param, `Tham số "${param}" không hợp lệ: ${issue.message}.`);
  }
  const q = r.data;
  if (q.from && q.to && q.from > q.to) throw new FilterError('from', 'Tham số "from" không hợp lệ: ngày bắt đầu phải trước hoặc bằng ngày kết thúc ("to").');

  let organisation: string | undefined;
  if (q.organisation) {
    const o = directory.findOrganisation(q.organisation);
    if (!o) throw new FilterError('organisation', `Tham số "organisation" không hợp lệ: không có tổ chức "${q.organisation}".`);
    organisation = o.name;
  }
  if (principal.role === 'viewer') organisation = principal.organisation;

  let unit: string | undefined;
  if (q.unit) {
    const u = directory.findUnit(q.unit);
    if (!u) throw new FilterError('unit', `Tham số "unit" không hợp lệ: không có xã/phường "${q.unit}".`);
    unit = u.name;
  }

  const filter: EventFilter = {};
  if (q.from) filter.from = vnDayStart(q.from);
  if (q.to) filter.to = vnDayEnd(q.to);
  if (organisation) filter.organisation = organisation;
  if (unit) filter.unit = unit;
  if (q.channel) filter.channel = q.channel;
  return { filter, fromDay: q.from, toDay: q.to, organisation, unit, channel: q.channel, rows: q.rows ?? 'summary' };
}

/** The filter of a request, or a 400 naming the parameter (then undefined). */
export function filterOr400(req: Request, res: Response, directory: Directory): ParsedFilter | undefined {
  try {
    return parseFilter(req.query, directory, principalOf(res));
  } catch (err) {
    if (!(err instanceof FilterError)) throw err;
    res.status(400).json({ error: { code: 'invalid_filter', parameter: err.parameter, message: err.message } });
    return undefined;
  }
}

/** The filter as the audit log and reports show it. */
export function describeFilter(f: ParsedFilter) {
  return { from: f.fromDay, to: f.toDay, organisation: f.organisation, unit: f.unit, channel: f.channel };
}

/** Aborts long scans when the client goes away. */
export function abortOnClose(res: Response): AbortSignal {
  const ac = new AbortController();
  res.on('close', () => { if (!res.writableFinished) ac.abort(); });
  return ac.signal;
}
