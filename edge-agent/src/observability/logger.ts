import { createRequire } from 'node:module';
import pino, { type Logger } from 'pino';

export type { Logger };

const require = createRequire(import.meta.url);

/** JSON lines in production; readable colour output when a person runs the agent in a terminal. */
export function createLogger(level: string, opts: { pretty?: boolean } = {}): Logger {
  const usePretty = opts.pretty ?? (process.stdout.isTTY === true && process.env.NODE_ENV !== 'production');
  if (usePretty) {
    // Loaded only for people at a terminal: a store node running as a service never pays for it.
    const pretty = require('pino-pretty') as typeof import('pino-pretty');
    return pino(
      { level },
      pretty({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' }),
    );
  }
  return pino({ level });
}
