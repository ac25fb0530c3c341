import { PostgresDriver } from '../../src/storage/sql/postgres-driver.js';
import { SqliteDriver } from '../../src/storage/sql/sqlite-driver.js';
import { sqlStore } from '../../src/storage/sql/store.js';
import type { Store } from '../../src/storage/ports.js';

/** A second handle on a test server's database, to stage or inspect rows beside it. */
export const sqliteStore = (file: string): Store => sqlStore(new SqliteDriver(file));
export const postgresStore = (url: string): Store => sqlStore(new PostgresDriver(url));
