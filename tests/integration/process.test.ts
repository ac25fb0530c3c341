import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/app.js';
import { listeningUrl } from '../helpers/server-process.js';

function run(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: tempDir(), LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, out: () => out, err: () => err };
}

describe('the server process', () => {
  it('starts with defaults, serves, and shuts down cleanly on SIGTERM', async () => {
    const p = run({});
    // The start-up line carries the address (PORT=0 picks a free port).
    const url = () => p.out().split('\n').map(listeningUrl).find(Boolean);
    await expect.poll(url, { timeout: 30_000 }).toBeTruthy();
    const res = await fetch(`${url()}/api/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId: 'p1', text: 'mật khẩu mạnh là gì' }) });
    expect(res.status).toBe(200);
    p.child.kill('SIGTERM');
    // Exit code 0 comes only once the app has stopped (main.ts); 1 when stopping failed.
    expect(await p.exited).toBe(0);
    // Citizens' words never reach the log at info level.
    expect(p.out()).not.toMatch(/mật khẩu mạnh/);
    expect(p.out()).toMatch(/"reqId"|"req":\{"id"/);
  });

  it('refuses to start on a wrong setting, naming it', async () => {
    const p = run({ PORT: 'not-a-port' });
    expect(await p.exited).toBe(2);
    expect(p.err()).toMatch(/PORT/);
  });

  it('refuses to start on a malformed flow file, naming file and line', async () => {
    const dir = tempDir();
    const fs = await import('node:fs');
    fs.cpSync('flows', dir, { recursive: true });
    fs.writeFileSync(`${dir}/zz.yaml`, 'nodes:\n  x:\n    text: "a"\n    action: launch.rocket\n');
    const p = run({ FLOWS_DIR: dir });
    expect(await p.exited).toBe(1);
    expect(p.err()).toMatch(/zz\.yaml:4/);
  });
});
