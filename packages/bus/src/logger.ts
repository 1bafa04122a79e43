/** The subset of a pino logger the bus uses (`logger.warn({ err }, 'msg')`). */
export interface BusLogger {
  debug(object: object, message?: string): void;
  info(object: object, message?: string): void;
  warn(object: object, message?: string): void;
  error(object: object, message?: string): void;
}

const noop = (): void => {};

/** Discards everything: the default when no logger is given. */
export const silentLogger: BusLogger = { debug: noop, info: noop, warn: noop, error: noop };
