import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config.js';
import { startApp, type App } from '../../src/app.js';

export interface ChatReply { text: string; buttons: { title: string; payload: string }[] }

export interface TestApp {
  app: App;
  url: string;
  dataDir: string;
  chat(userId: string, body: { text?: string; payload?: string }): Promise<ChatReply[]>;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export function tempDir(prefix = 'bdhvs-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Starts the real server (HTTP, SQLite, knowledge index) on a free port with a fresh data dir. */
export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const dataDir = env.DATA_DIR ?? tempDir();
  const config = () => loadConfig({ ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...env, DATA_DIR: dataDir });
  const t: TestApp = {
    app: await startApp(config()),
    get url() { return this.app.url; },
    dataDir,
    async chat(userId, body) {
      const res = await fetch(`${t.url}/api/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId, ...body }) });
      if (res.status !== 200) throw new Error(`chat answered ${res.status}: ${await res.text()}`);
      return ((await res.json()) as { replies: ChatReply[] }).replies;
    },
    async restart() {
      await t.app.stop();
      t.app = await startApp(config());
    },
    async stop() {
      await t.app.stop();
    },
  };
  return t;
}
