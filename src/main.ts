import { loadConfigOrExit } from './config.js';
import { createLogger, wantsPrettyLogs } from './log.js';
import { startApp } from './app.js';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const log = createLogger(config.LOG_LEVEL, { pretty: wantsPrettyLogs(config.NODE_ENV) });
  const app = await startApp(config, log).catch((e: unknown) => {
    log.fatal({ err: e }, 'start failed');
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      log.info({ signal }, 'shutting down');
      app.stop().then(() => process.exit(0), (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      });
    });
  }
}

void main();
