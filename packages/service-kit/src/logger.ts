import { pino, type DestinationStream, type Logger } from 'pino';

/** JSON logs through pino (stdout unless told); every request line carries `correlationId`. */
export function createLogger(options: { level?: string; name?: string; destination?: DestinationStream } = {}): Logger {
  const settings = {
    level: options.level ?? 'info',
    ...(options.name ? { name: options.name } : {}),
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: ['req.headers.authorization', 'token', 'lookupPin', 'pin'], censor: '[redacted]' },
    serializers: { req: serializeRequest },
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}

/** Query parameters that are secrets (a dossier's lookup PIN, a board ticket): never logged. */
const SECRET_QUERY = /([?&](?:pin|ticket|token)=)[^&#]*/gi;

/** Fastify's request line, with secret query values masked. */
export function serializeRequest(req: {
  method?: string;
  url?: string;
  host?: string;
  hostname?: string;
  ip?: string;
  socket?: { remotePort?: number };
}) {
  return {
    method: req.method,
    url: req.url?.replace(SECRET_QUERY, '$1[redacted]'),
    host: req.host ?? req.hostname,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  };
}

export type { Logger } from 'pino';
