import path from 'node:path';
import type { Config } from '../config.js';
import { SqliteStorage } from './sqlite.js';
import type { Storage } from './types.js';

export async function openStorage(config: Config): Promise<Storage> {
  if (config.DATABASE_URL) {
    const { PostgresStorage } = await import('./postgres.js');
    return new PostgresStorage(config.DATABASE_URL);
  }
  return new SqliteStorage(path.join(config.dataDir, 'bot.sqlite'));
}
