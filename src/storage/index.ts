import path from 'node:path';
import type { Config } from '../config.js';
import type { Store } from './ports.js';
import { sqlStore } from './sql/store.js';

/**
 * PostgreSQL with DATABASE_URL, else SQLite in DATA_DIR. Drivers are loaded on demand, so a PostgreSQL
 * deployment never loads the better-sqlite3 native addon.
 */
export async function openStore(config: Pick<Config, 'DATABASE_URL' | 'dataDir'>, clock?: () => number): Promise<Store> {
  if (config.DATABASE_URL) {
    const { PostgresDriver } = await import('./sql/postgres-driver.js');
    return sqlStore(new PostgresDriver(config.DATABASE_URL));
  }
  const { SqliteDriver } = await import('./sql/sqlite-driver.js');
  return sqlStore(new SqliteDriver(path.join(config.dataDir, 'bot.sqlite'), clock));
}
