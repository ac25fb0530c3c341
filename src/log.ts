import pino, { type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string): Logger {
  // Citizens' message text is never logged at info level; modules log ids and outcomes only.
  return pino({ level, base: { service: 'bdhvs-bot' }, redact: ['req.headers.authorization', 'req.headers.cookie'] });
}
