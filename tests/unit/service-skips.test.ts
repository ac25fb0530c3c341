import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/app.js';

/**
 * A machine without PostgreSQL, Redis or Chromium: the tests needing them skip with a reason, unless CI=true,
 * where they fail. Shown by running a few such test files in a child vitest with the services pointed at a
 * closed port and a missing binary.
 */

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const FILES = ['tests/integration/postgres-app.test.ts', 'tests/integration/scale-out.test.ts', 'tests/e2e/webchat.test.ts'];

interface JsonReport { numTotalTests: number; numPassedTests: number; numPendingTests: number; numFailedTests: number; testResults: { name: string; status: string; message: string }[] }

async function runSubset(ci: boolean): Promise<{ code: number; report: JsonReport; output: string }> {
  const port = await closedPort();
  const out = path.join(tempDir(), 'report.json');
  // The child must not think it is a worker of this run, nor inherit this run's CI setting.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && k !== 'CI' && k !== 'NODE_OPTIONS'));
  Object.assign(env, {
    TEST_DATABASE_URL: `postgres://root@127.0.0.1:${port}/test`,
    TEST_REDIS_URL: `redis://127.0.0.1:${port}`,
    CHROMIUM_PATH: path.join(tempDir(), 'no-chromium-here'),
    ...(ci ? { CI: 'true' } : {}),
  });
  const vitest = path.resolve('node_modules/vitest/vitest.mjs');
  const args = [vitest, 'run', ...FILES, '--reporter=default', '--reporter=json', `--outputFile.json=${out}`];
  type Done = { code: number; stdout: string; stderr: string };
  const done: Done = await promisify(execFile)(process.execPath, args, { env, maxBuffer: 16 << 20 })
    .then((r) => ({ code: 0, ...r }), (e: Done) => e);
  // The default reporter prints what the test files wrote to stderr, under their name.
  return { code: done.code, report: JSON.parse(fs.readFileSync(out, 'utf8')) as JsonReport, output: done.stdout + done.stderr };
}

describe('tests that need PostgreSQL, Redis or Chromium', () => {
  it('skip on a machine without them, each with a one-line reason and how to get the service', async () => {
    const { code, report, output } = await runSubset(false);
    expect(code).toBe(0);
    expect(report.numFailedTests).toBe(0);
    expect(report.numPassedTests).toBe(0);
    expect(report.numPendingTests).toBe(report.numTotalTests);
    expect(report.numTotalTests).toBeGreaterThanOrEqual(FILES.length);
    expect(output).toMatch(/skipped: PostgreSQL not reachable at postgres:\/\/root@127\.0\.0\.1:\d+\/test .*set TEST_DATABASE_URL/);
    expect(output).toMatch(/skipped: Redis not reachable at redis:\/\/127\.0\.0\.1:\d+ .*set TEST_REDIS_URL/);
    expect(output).toMatch(/skipped: no Chromium at .*no-chromium-here: apt-get install chromium/);
  });

  it('fail loudly under CI=true, naming what is missing', async () => {
    const { code, report } = await runSubset(true);
    expect(code).not.toBe(0);
    expect(report.numPassedTests).toBe(0);
    const failed = report.testResults.filter((f) => f.status === 'failed');
    expect(failed.map((f) => path.relative(process.cwd(), f.name)).sort()).toEqual([...FILES].sort());
    expect(failed.map((f) => f.message).join('\n')).toMatch(/CI=true and a service these tests need is missing\. PostgreSQL not reachable/);
    expect(failed.map((f) => f.message).join('\n')).toMatch(/no Chromium at/);
  });
});
