/**
 * Run as a script: starts the app with the settings in the environment, then prints the native addons
 * the process loaded (as JSON) and exits. Used to show that a PostgreSQL deployment never loads SQLite's.
 */
import { loadConfig } from '../../src/config.js';

const loaded: string[] = [];
const dlopen = process.dlopen.bind(process);
process.dlopen = ((...args: Parameters<typeof process.dlopen>) => {
  loaded.push(args[1]);
  return dlopen(...args);
}) as typeof process.dlopen;

const { startApp } = await import('../../src/app.js');
const app = await startApp(loadConfig({ ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' }));
await app.stop();
console.log(JSON.stringify(loaded));
