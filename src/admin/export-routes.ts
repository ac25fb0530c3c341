import type express from 'express';
import type { Request, Response } from 'express';
import { ExportAborted, exportFileName, frozenFilter, writeEventsCsv, writeSummaryCsv, type ExportContext, type ExportMeta } from '../participation/export.js';
import { writeXlsx } from '../participation/export-xlsx.js';
import { computeStats } from '../participation/stats.js';
import { principalOf } from './auth.js';
import { abortOnClose, describeFilter, filterOr400 } from './filters.js';
import type { AdminDeps } from './deps.js';

/** The yearly-report exports: XLSX (summary + events) and CSV (summary or events). */
export function exportRoutes(router: express.Router, deps: AdminDeps, ctx: ExportContext): void {
  const { staff, participation, directory, log } = deps;
  const exportRoute = (format: 'xlsx' | 'csv') => async (req: Request, res: Response) => {
    const f = filterOr400(req, res, directory);
    if (!f) return;
    const p = principalOf(res);
    const now = new Date();
    const filter = frozenFilter(f.filter, now);
    const meta: ExportMeta = {
      fromDay: f.fromDay, toDay: f.toDay, organisation: f.organisation, unit: f.unit, channel: f.channel, generatedAt: now, generatedBy: p.name,
    };
    const rows = format === 'xlsx' ? 'summary+events' : f.rows;
    // Logged before the first byte: an export cut short has still left the building in part.
    await staff.logAudit(p.name, 'export', JSON.stringify({ format, rows, filter: describeFilter(f), via: p.via }));

    const name = exportFileName(format === 'csv' && f.rows === 'events' ? 'events' : 'summary', meta, format);
    res.setHeader('Content-Type', contentType(format));
    res.setHeader('Content-Disposition', `attachment; filename="${name}"`);
    const signal = abortOnClose(res);
    try {
      if (format === 'xlsx') await writeXlsx(res, participation, filter, ctx, meta, signal);
      else if (f.rows === 'events') await writeEventsCsv(res, participation, filter, ctx, signal);
      else {
        const report = await computeStats(participation, filter, { ...ctx, fromDay: f.fromDay, toDay: f.toDay, filter }, signal);
        await writeSummaryCsv(res, report, signal);
      }
    } catch (err) {
      if (err instanceof ExportAborted || signal.aborted) {
        log.info({ format }, 'export aborted by the client');
        return;
      }
      if (res.headersSent) {
        log.error({ err, format }, 'export failed midway');
        res.destroy(err as Error);
        return;
      }
      throw err;
    }
  };
  // HEAD answers what a GET would send (type, file name) without reading, writing or auditing the export.
  const headRoute = (format: 'xlsx' | 'csv') => (req: Request, res: Response) => {
    const f = filterOr400(req, res, directory);
    if (!f) return;
    const meta: ExportMeta = { fromDay: f.fromDay, toDay: f.toDay, organisation: f.organisation, unit: f.unit, channel: f.channel, generatedAt: new Date() };
    res.setHeader('Content-Type', contentType(format));
    res.setHeader('Content-Disposition', `attachment; filename="${exportFileName(format === 'csv' && f.rows === 'events' ? 'events' : 'summary', meta, format)}"`);
    res.status(200).end();
  };
  router.head('/api/admin/export.xlsx', headRoute('xlsx'));
  router.head('/api/admin/export.csv', headRoute('csv'));
  router.get('/api/admin/export.xlsx', exportRoute('xlsx'));
  router.get('/api/admin/export.csv', exportRoute('csv'));

}

function contentType(format: 'xlsx' | 'csv'): string {
  return format === 'xlsx' ? 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' : 'text/csv; charset=utf-8';
}
