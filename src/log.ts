import { createRequire } from 'node:module';
import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

const options = (level: string) => ({
  level, base: { service: 'bdhvs-bot' }, redact: ['req.headers.authorization', 'req.headers.cookie'],
});

/**
 * JSON lines for log collectors; readable coloured lines for a person at a terminal (`pretty`), when the
 * pino-pretty development dependency is installed. Citizens' message text is never logged at info level;
 * modules log ids and outcomes only.
 */
export function createLogger(level: string, o: { pretty?: boolean } = {}): Logger {
  const stream = o.pretty ? prettyStream() : undefined;
  return stream ? pino(options(level), stream) : pino(options(level));
}

/** Whether logs go to a person: a development run in a terminal. Production and CI get JSON. */
export function wantsPrettyLogs(nodeEnv: string): boolean {
  return nodeEnv === 'development' && process.stdout.isTTY === true;
}

function prettyStream(): DestinationStream | undefined {
  try {
    const pretty = createRequire(import.meta.url)('pino-pretty') as (o: Record<string, unknown>) => DestinationStream;
    return pretty({ colorize: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,service', singleLine: true, sync: true });
  } catch {
    return undefined; // pruned in a production image: JSON it is
  }
}
