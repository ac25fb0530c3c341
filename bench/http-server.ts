/**
 * The servers measured by bench/http.ts, in a process of their own so that the load generator does not
 * share their event loop: a bare express handler and the real bot. Prints their URLs as one JSON line.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { startApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';

const bare = express();
bare.post('/api/chat', express.json(), (req, res) => {
  res.json({ replies: [{ text: `Đã nhận: ${String((req.body as { text?: string }).text ?? '').slice(0, 20)}`, buttons: [] }] });
});
const bareServer = await new Promise<import('node:http').Server>((resolve) => {
  const s = bare.listen(0, '127.0.0.1', () => resolve(s));
});
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bdhvs-bench-'));
const app = await startApp(loadConfig({
  ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', DATA_DIR: dataDir,
  WEBCHAT_LIMIT_PER_USER: '100000', WEBCHAT_LIMIT_PER_IP: '1000000', WEBCHAT_NEW_SESSIONS_PER_IP: '1000000',
}));
console.log(JSON.stringify({ bare: `http://127.0.0.1:${(bareServer.address() as AddressInfo).port}`, bot: app.url }));
process.once('SIGTERM', () => {
  bareServer.close();
  void app.stop().then(() => {
    fs.rmSync(dataDir, { recursive: true, force: true });
    process.exit(0);
  });
});
