import { spawn } from 'node:child_process';
import { waitFor } from './wait.js';

/** The real server in its own process (`npm start`), so that it can be killed without any shutdown. */
export function spawnServer(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, DATABASE_URL: '', REDIS_URL: '', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', NODE_ENV: 'test', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return {
    url: () => waitFor(() => {
      // The start-up line is the one that carries the address.
      return out.split('\n').map(listeningUrl).find(Boolean);
    }, 'the server to listen', 60_000),
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** The address a JSON log line gives at the top level (the start-up line), if any. */
export function listeningUrl(line: string): string | undefined {
  try {
    const url = (JSON.parse(line) as { url?: unknown }).url;
    return typeof url === 'string' && url.startsWith('http') ? url : undefined;
  } catch {
    return undefined;
  }
}
