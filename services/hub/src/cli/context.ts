/** What every CLI command shares: the data directory, configuration, logging to stderr, exit codes. */
import { resolve } from 'node:path';
import { openEventStore, type EventStore } from '@lienthong/event-store';
import { createLogger, loadConfig, type Config } from '@lienthong/service-kit';
import { directoryModule, startPlatform, type RunningHub, type ServiceModuleFactory } from '@lienthong/platform';
import { ReadModelsInUseError } from '@lienthong/projections';
import { allModules } from '../modules.js';

/** Exit codes of `pnpm lienthong`. */
export const ExitCode = {
  ok: 0,
  /** Bad usage, unreadable input, a refused request, any failure. */
  error: 1,
  /** `verify`: a hash chain (or an export) does not hold. */
  broken: 2,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** A failure the CLI reports in one line (no stack) with its exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = ExitCode.error,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export interface GlobalOptions {
  readonly dataDir?: string;
}

/** The hub's configuration with the CLI's data directory; logs go to stderr (stdout carries results). */
export function cliConfig(options: GlobalOptions, overrides: Record<string, string> = {}): Config {
  const dataDir = resolve(options.dataDir ?? process.env.LT_DATA_DIR ?? './data');
  return loadConfig({ LT_LOG_LEVEL: 'warn', ...process.env, ...overrides, LT_DATA_DIR: dataDir });
}

/** The configured server store (PostgreSQL, EventStoreDB) of a command that reads it directly. */
export function openConfiguredStore(config: Config): Promise<EventStore> {
  return openEventStore({ url: config.eventStoreUrl, dataDir: config.dataDir, operationTimeoutMs: config.eventStoreTimeoutMs });
}

/** Services without their background workers (overdue scan, revision reactor): replay and import only read or write on request. */
const passive =
  (factory: ServiceModuleFactory): ServiceModuleFactory =>
  async (platform) => {
    // A start that starts nothing.
    return { ...(await factory(platform)), start: async () => {} };
  };

/** The all-in-one platform on the data directory, not listening; `workers: false` leaves the background workers off. */
export async function openHub(config: Config, options: { workers: boolean }): Promise<RunningHub> {
  // The directory starts nothing and the platform mounts it once, recognised by identity: kept as is.
  const factories = options.workers ? allModules : allModules.map((m) => (m === directoryModule ? m : passive(m)));
  try {
    return await startPlatform(config, factories, {
      title: 'lienthong cli',
      logger: createLogger({ level: config.logLevel, destination: process.stderr }),
      relay: options.workers,
    });
  } catch (error) {
    if (error instanceof ReadModelsInUseError)
      throw new CliError(
        `the hub is running on ${config.dataDir} (its read models are in use): stop it first, or use its HTTP API (POST /v1/admin/projections/:name/rebuild, POST /v1/admin/catalog/import)`,
      );
    throw error;
  }
}

/** Writes a result to stdout as JSON. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
