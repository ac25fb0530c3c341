import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/app.js';
import { listeningUrl } from '../helpers/server-process.js';
import { sqliteStore } from '../helpers/stores.js';

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

  it.each(['SIGTERM', 'SIGINT'] as const)('`npm start` hands %s to the server: signalling npm stops it', async (signal) => {
    const child = spawn('npm', ['start'], {
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: tempDir(), LOG_LEVEL: 'info', NODE_ENV: 'test', DATABASE_URL: '', REDIS_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group, so that whatever it leaves behind can be cleaned up below
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const lines = () => out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    await expect.poll(() => lines().some((l) => l.msg === 'listening'), { timeout: 60_000 }).toBe(true);
    const url = String(lines().find((l) => l.msg === 'listening')!.url);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    try {
      child.kill(signal); // npm's own pid, as an operator or a service manager does
      await exited;
      // The server itself is gone, not just npm.
      await expect.poll(() => fetch(`${url}/healthz`).then(() => 'answering', () => 'gone'), { timeout: 20_000 }).toBe('gone');
    } finally {
      try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* already gone */ }
    }
  });

  it('says at start where the web chat and /admin are, and how to create the first staff account', async () => {
    const dataDir = tempDir();
    const logLines = (p: ReturnType<typeof run>) => p.out().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    const first = run({ DATA_DIR: dataDir });
    await expect.poll(() => logLines(first).some((l) => l.msg === 'listening'), { timeout: 30_000 }).toBe(true);
    const listening = logLines(first).find((l) => l.msg === 'listening')!;
    expect((await fetch(String(listening.webChat))).status).toBe(200);
    expect(await (await fetch(String(listening.admin))).text()).toMatch(/<html/i);
    expect(logLines(first).find((l) => l.command)?.command).toBe('npm run admin -- add-user <tên đăng nhập> --role admin');
    first.child.kill('SIGTERM');
    await first.exited;

    // Once an account exists, the hint is gone.
    const store = sqliteStore(`${dataDir}/bot.sqlite`);
    await store.migrate();
    await store.staff.saveStaffUser({ username: 'canbo', passwordHash: 'disabled', role: 'admin' });
    await store.close();
    const second = run({ DATA_DIR: dataDir });
    await expect.poll(() => logLines(second).some((l) => l.msg === 'listening'), { timeout: 30_000 }).toBe(true);
    expect(logLines(second).some((l) => l.command)).toBe(false);
    second.child.kill('SIGTERM');
    await second.exited;
  });
});
