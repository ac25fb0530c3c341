/**
 * Export benchmark: fills a fresh SQLite database with 100k and then 1M synthetic participation
 * events and times the exports against a plain iteration baseline measured in the same run, so
 * that machine noise shows. Memory: peak RSS and peak heap growth over the value before each run,
 * sampled every 20 ms while it runs.
 *
 *   npm run bench:export              # 100k and 1M
 *   npm run bench:export -- 20000     # other sizes (comma separated)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import Database from 'better-sqlite3';
import { SqliteDriver } from '../src/storage/sql/sqlite-driver.js';
import { sqlStore } from '../src/storage/sql/store.js';
import type { EventFilter } from '../src/storage/types.js';
import { Directory } from '../src/participation/directory.js';
import { computeStats } from '../src/participation/stats.js';
import { writeEventsCsv, writeSummaryCsv, type ExportContext } from '../src/participation/export.js';
import { writeXlsx } from '../src/participation/export-xlsx.js';

// A full GC before each run, so "before" is comparable between runs.
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const sizes = (process.argv[2] ?? '100000,1000000').split(',').map((s) => Number(s.replace(/_/g, '')));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bdhvs-bench-export-'));
const dbFile = path.join(dir, 'bot.sqlite');
const directory = Directory.load(path.resolve('knowledge'));
const ctx: ExportContext = {
  organisations: directory.organisations.map((o) => o.name),
  units: directory.units.map((u) => ({ name: u.name, label: u.label })),
  quizTitles: new Map(),
};

// ---------------------------------------------------------------------------------------------
// Synthetic data: deterministic, with the proportions a season of the campaign might have.

let seed = 42;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const pick = <T>(items: readonly (readonly [T, number])[]): T => {
  let r = rand();
  for (const [v, w] of items) if ((r -= w) < 0) return v;
  return items[items.length - 1]![0];
};
const TYPES = [['contact', 0.22], ['question_answered', 0.3], ['question_unanswered', 0.08], ['quiz_started', 0.13],
  ['quiz_completed', 0.11], ['registration', 0.04], ['feedback_helpful', 0.09], ['feedback_unhelpful', 0.03]] as const;
const CHANNELS = [['zalo', 0.45], ['messenger', 0.3], ['telegram', 0.1], ['web', 0.15]] as const;
const QUIZZES = ['vneid', 'lua-dao', 'mat-khau', 'thanh-toan', 'du-lieu', 'chien-dich'];
const PEOPLE = 30000;
const people = Array.from({ length: PEOPLE }, (_, i) => ({
  key: `u${i.toString(36)}`.padEnd(22, 'x'),
  organisation: directory.organisations[Math.floor(rand() * directory.organisations.length)]!.name,
  unit: rand() < 0.9 ? directory.units[Math.floor(rand() * directory.units.length)]!.name : null,
}));
const START = Date.parse('2025-12-01T00:00:00+07:00');
const SPAN = Date.parse('2026-11-27T00:00:00+07:00') - START;

function fill(db: Database.Database, from: number, to: number): void {
  const insert = db.prepare(`INSERT INTO events (at, type, channel, user_key, organisation, unit, quiz_id, score, total, passed)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const batch = db.transaction((n: number, base: number) => {
    for (let i = 0; i < n; i++) {
      const type = pick(TYPES);
      // First contacts are anonymous; later activity is tied to a consenting person 45% of the time.
      const p = type !== 'contact' && (type === 'registration' || rand() < 0.45) ? people[Math.floor(rand() * PEOPLE)]! : undefined;
      const quiz = type === 'quiz_started' || type === 'quiz_completed' ? QUIZZES[Math.floor(rand() * QUIZZES.length)]! : null;
      const score = type === 'quiz_completed' ? Math.floor(rand() * 13) : null;
      insert.run(START + Math.floor(((base + i) / to) * SPAN), type, pick(CHANNELS), p?.key ?? null, p?.organisation ?? null,
        p?.unit ?? null, quiz, score, score === null ? null : 12, score === null ? null : score >= 10 ? 1 : 0);
    }
  });
  for (let done = from; done < to; done += 50_000) batch(Math.min(50_000, to - done), done);
}

// ---------------------------------------------------------------------------------------------
// Measurement

interface Result { name: string; rows: number; seconds: number; bytes: number; rssBefore: number; rssPeak: number; heapGrowth: number }

async function measure(name: string, run: (sink: string) => Promise<number>): Promise<Result> {
  gc();
  const before = process.memoryUsage();
  let rssPeak = before.rss;
  let heapPeak = before.heapUsed;
  const sample = () => {
    const m = process.memoryUsage();
    rssPeak = Math.max(rssPeak, m.rss);
    heapPeak = Math.max(heapPeak, m.heapUsed);
  };
  const timer = setInterval(sample, 20);
  const file = path.join(dir, `out-${name.replace(/\W+/g, '-')}`);
  const t0 = process.hrtime.bigint();
  const rows = await run(file);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  sample();
  clearInterval(timer);
  const bytes = fs.existsSync(file) ? fs.statSync(file).size : 0;
  fs.rmSync(file, { force: true });
  return { name, rows, seconds, bytes, rssBefore: before.rss, rssPeak, heapGrowth: heapPeak - before.heapUsed };
}

async function toFile(file: string, write: (out: Writable) => Promise<unknown>): Promise<void> {
  const out = fs.createWriteStream(file);
  await write(out);
  if (!out.writableFinished) await finished(out);
}

const MB = (n: number) => (n / 1048576).toFixed(0);

function print(size: number, results: Result[]): void {
  const base = results[0]!.seconds;
  console.log(`\n${size.toLocaleString('en')} events (SQLite, ${os.cpus().length} CPU, Node ${process.version})`);
  const head = ['run', 'rows', 'seconds', 'x baseline', 'rows/s', 'output MB', 'RSS before MB', 'RSS peak MB', 'heap growth MB'];
  const table = results.map((r) => [r.name, r.rows.toLocaleString('en'), r.seconds.toFixed(2), (r.seconds / base).toFixed(1),
    Math.round(r.rows / r.seconds).toLocaleString('en'), r.bytes ? (r.bytes / 1048576).toFixed(1) : '-', MB(r.rssBefore), MB(r.rssPeak), MB(r.heapGrowth)]);
  const widths = head.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of table) console.log(line(row));
}

async function main(): Promise<void> {
  const store = sqlStore(new SqliteDriver(dbFile));
  await store.migrate();
  const storage = store.participation;
  const writer = new Database(dbFile);
  writer.pragma('journal_mode = WAL');
  writer.pragma('synchronous = OFF');
  let filled = 0;
  const filter: EventFilter = {};

  for (const size of sizes) {
    const t0 = Date.now();
    fill(writer, filled, size);
    filled = size;
    writer.pragma('wal_checkpoint(TRUNCATE)');
    console.log(`\nfilled ${size.toLocaleString('en')} events in ${((Date.now() - t0) / 1000).toFixed(1)} s (${MB(fs.statSync(dbFile).size)} MB database)`);

    const results: Result[] = [];
    results.push(await measure('baseline: iterate only', async () => {
      let n = 0;
      for await (const _ of storage.iterateEvents(filter)) n++;
      return n;
    }));
    results.push(await measure('stats (one pass)', async () => (await computeStats(storage, filter, ctx)).events));
    results.push(await measure('CSV summary', async (file) => {
      const report = await computeStats(storage, filter, ctx);
      await toFile(file, (out) => writeSummaryCsv(out, report));
      return report.events;
    }));
    results.push(await measure('CSV events', async (file) => {
      let n = 0;
      await toFile(file, async (out) => { n = await writeEventsCsv(out, storage, filter, ctx); });
      return n;
    }));
    results.push(await measure('XLSX (2 sheets)', async (file) => {
      let n = 0;
      await toFile(file, async (out) => { n = await writeXlsx(out, storage, filter, ctx, { generatedAt: new Date() }); });
      return n;
    }));
    print(size, results);
  }
  writer.close();
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
  console.log('\nRSS rarely shrinks after a run, so "RSS before" creeps up; heap growth is the fairer per-run number.');
}

main().catch((err: unknown) => {
  console.error(err);
  fs.rmSync(dir, { recursive: true, force: true });
  process.exitCode = 1;
});
