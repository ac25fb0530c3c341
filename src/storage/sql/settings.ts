import type { SettingsStore } from '../ports.js';
import type { SqlDriver } from './driver.js';

export class SqlSettings implements SettingsStore {
  constructor(private db: SqlDriver) {}

  async getSetting(key: string): Promise<string | undefined> {
    const [r] = await this.db.query<{ value: string }>('SELECT value FROM settings WHERE key = ?', [key]);
    return r?.value;
  }

  async setSetting(key: string, value: string): Promise<void> {
    await this.db.run('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value]);
  }

  async compareAndSetSetting(key: string, expected: string | undefined, next: string): Promise<boolean> {
    // One statement each way, so two instances racing cannot both win.
    const changed = expected === undefined
      ? await this.db.run('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT DO NOTHING', [key, next])
      : await this.db.run('UPDATE settings SET value = ? WHERE key = ? AND value = ?', [next, key, expected]);
    return changed === 1;
  }
}
