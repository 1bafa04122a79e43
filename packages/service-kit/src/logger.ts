import { pino, type Logger } from 'pino';

/** JSON logs through pino; every request line carries `correlationId`. */
export function createLogger(options: { level?: string; name?: string } = {}): Logger {
  return pino({
    level: options.level ?? 'info',
    ...(options.name ? { name: options.name } : {}),
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: ['req.headers.authorization', 'token', 'lookupPin', 'pin'], censor: '[redacted]' },
  });
}

export type { Logger } from 'pino';
