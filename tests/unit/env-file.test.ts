import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/app.js';

const probe = `import { loadConfigOrExit } from ${JSON.stringify(path.resolve('src/config.ts'))};
const c = loadConfigOrExit(process.argv[2]); console.log(JSON.stringify({ port: c.PORT, token: c.TELEGRAM_BOT_TOKEN ?? null }));`;

function run(dir: string, env: Record<string, string> = {}) {
  const file = path.join(dir, 'probe.mts');
  fs.writeFileSync(file, probe);
  const env0 = { ...process.env };
  for (const k of ['PORT', 'TELEGRAM_BOT_TOKEN']) delete env0[k];
  return spawnSync(process.execPath, ['--import', 'tsx', file, path.join(dir, '.env')], { env: { ...env0, ...env }, encoding: 'utf8' });
}

describe('.env file', () => {
  it('is read when present, and real environment variables win', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, '.env'), 'PORT=4567\nTELEGRAM_BOT_TOKEN=from-file\n');
    expect(JSON.parse(run(dir).stdout)).toEqual({ port: 4567, token: 'from-file' });
    expect(JSON.parse(run(dir, { PORT: '5678' }).stdout)).toEqual({ port: 5678, token: 'from-file' });
  });

  it('stops with status 2 and names a wrong setting', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, '.env'), 'PORT=abc\n');
    const r = run(dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/PORT/);
  });
});
