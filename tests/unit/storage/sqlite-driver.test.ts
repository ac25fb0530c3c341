import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteDriver } from '../../../src/storage/sql/sqlite-driver.js';

// Writes asked in one turn of the event loop are committed together (group commit): what a caller can rely on.

let dir: string;
let driver: SqliteDriver;
let other: Database.Database;
const seen = () => (other.prepare('SELECT v FROM t ORDER BY v').pluck().all() as string[]);

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sqlite-driver-'));
  driver = new SqliteDriver(path.join(dir, 'db.sqlite'));
  await driver.migrate(['CREATE TABLE t (v TEXT PRIMARY KEY)']);
  other = new Database(path.join(dir, 'db.sqlite'), { readonly: true });
});
afterEach(async () => {
  other.close();
  await driver.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('SqliteDriver writes', () => {
  it('resolves a write only once it is committed: another connection sees it then, and not before', async () => {
    const writes = [driver.run('INSERT INTO t (v) VALUES (?)', ['a']), driver.run('INSERT INTO t (v) VALUES (?)', ['b'])];
    expect(seen()).toEqual([]);
    expect(await Promise.all(writes)).toEqual([1, 1]);
    expect(seen()).toEqual(['a', 'b']);
  });

  it('fails only the write that fails: the others of its group are committed', async () => {
    await driver.run('INSERT INTO t (v) VALUES (?)', ['a']);
    const results = await Promise.allSettled([
      driver.run('INSERT INTO t (v) VALUES (?)', ['b']),
      driver.run('INSERT INTO t (v) VALUES (?)', ['a']), // duplicate key
      driver.run('INSERT INTO t (v) VALUES (?)', ['c']),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(seen()).toEqual(['a', 'b', 'c']);
  });

  it('runs a batch after the writes asked before it, and commits pending writes at close', async () => {
    const first = driver.run('INSERT INTO t (v) VALUES (?)', ['a']);
    await expect(driver.batch([['UPDATE t SET v = ? WHERE v = ?', ['a2', 'a']]])).resolves.toEqual([1]);
    await first;
    const last = driver.run('INSERT INTO t (v) VALUES (?)', ['z']);
    await driver.close();
    await last;
    expect(seen()).toEqual(['a2', 'z']);
  });
});
