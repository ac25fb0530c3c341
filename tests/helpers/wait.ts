import { execFile } from 'node:child_process';
import path from 'node:path';

/** Polls `condition` until it holds; the timeout is only a safety net against a hung test, never an assertion on timing. */
export async function waitFor<T>(condition: () => T | Promise<T>, what = 'condition', timeoutMs = 10_000, intervalMs = 10): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await condition();
      if (v) return v as NonNullable<T>;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}


/** Runs a TypeScript script (npm run setup:*) in a child process with only the given settings. */
export function runScript(script: string, env: Record<string, string>): Promise<{ stdout: string; stderr: string }> {
  const tsx = path.resolve('node_modules/.bin/tsx');
  return new Promise((resolve, reject) => {
    execFile(tsx, [script], { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) reject(Object.assign(err, { stdout, stderr }));
      else resolve({ stdout, stderr });
    });
  });
}
