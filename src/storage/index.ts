import path from 'node:path';
import type { Config } from '../config.js';
import { SqliteStorage } from './sqlite.js';
import type { Storage } from './types.js';

export async function openStorage(config: Config): Promise<Storage> {
  if (config.DATABASE_URL) {
    throw new Error('DATABASE_URL: PostgreSQL storage is not available yet');
  }
  return new SqliteStorage(path.join(config.dataDir, 'bot.sqlite'));
}
