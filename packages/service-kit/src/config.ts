import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';

/** Every setting comes from the environment (SPEC §5); defaults run the embedded all-in-one hub. */
const EnvSchema = z.object({
  LT_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  LT_HOST: z.string().default('0.0.0.0'),
  LT_DATA_DIR: z.string().default('./data'),
  // The deployment's secrets (PIN key, applicant key, hub key…): the same files on every machine.
  LT_SECRETS_DIR: z.string().optional(),
  LT_INIT_SECRETS: z.enum(['0', '1']).default('0'),
  LT_EVENTSTORE: z
    .string()
    .regex(/^(sqlite:|postgres:\/\/|postgresql:\/\/|esdb:\/\/|esdb\+discover:\/\/)/, 'must be sqlite:…, postgres://… or esdb://…')
    .optional(),
  LT_EVENTSTORE_TIMEOUT_S: z.coerce.number().int().min(1).max(600).optional(),
  // One URL, or the seed URLs of a cluster separated by commas.
  LT_NATS_URL: z
    .string()
    .regex(
      /^\s*(nats|tls|wss?):\/\/[^,\s]+\s*(,\s*(nats|tls|wss?):\/\/[^,\s]+\s*)*$/,
      'must be nats://host:port, or several separated by commas',
    )
    .optional(),
  // JetStream keeps at most 5 copies; more than 1 needs a cluster.
  LT_NATS_REPLICAS: z.coerce.number().int().min(1).max(5).optional(),
  // Seconds before the server deletes a gone process's own consumers (at least 10 s: a restart must not lose them).
  LT_NATS_CONSUMER_EXPIRY_S: z.coerce
    .number()
    .int()
    .min(10)
    .max(30 * 24 * 3600)
    .default(300),
  LT_MAX_BODY_MB: z.coerce.number().positive().max(4096).default(100),
  LT_ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  LT_SQLITE_SYNC: z.enum(['full', 'normal']).default('full'),
  // Seals over the event store (docs/services/audit.md): every so many events, and every so many seconds.
  LT_SEAL_EVERY: z.coerce.number().int().min(1).max(1_000_000).default(1000),
  LT_SEAL_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
  LT_TRUST_PROXY: z.string().max(500).optional(),
  LT_PARSE_WORKERS: z.coerce.number().int().min(0).max(16).optional(),
  LT_BOARD_PROCESSES: z.coerce.number().int().min(0).max(16).optional(),
  LT_HUB_ORGAN_ID: z
    .string()
    .regex(/^[0-9A-Za-z][0-9A-Za-z._-]{0,63}$/, 'must be an organisation id: letters, digits, dots, dashes, underscores, at most 64')
    .default('lienthong'),
  LT_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  /** `LT_SECRETS_DIR` (default `<dataDir>/secrets`): the key files every process of a deployment shares. */
  readonly secretsDir: string;
  /** `LT_INIT_SECRETS=1`: create missing secrets even on a server store (the first start of a deployment). */
  readonly initSecrets: boolean;
  /** undefined = the embedded SQLite store under dataDir. */
  readonly eventStoreUrl: string | undefined;
  /** `LT_EVENTSTORE_TIMEOUT_S`: PostgreSQL's longest wait for one store operation (undefined: the store's default, 7 s). */
  readonly eventStoreTimeoutMs: number | undefined;
  /** The NATS servers of `LT_NATS_URL` (one, or a cluster's seeds); undefined = the in-process bus and blobs on disk. */
  readonly natsServers: readonly string[] | undefined;
  /** Copies of `LT_EVENTS` and `LT_BLOBS` in the NATS cluster (default 3 with three or more seeds, else 1). */
  readonly natsReplicas: number;
  /** How long a process's own durable consumers outlive it on the server, ms. */
  readonly natsConsumerExpiryMs: number;
  readonly maxBodyBytes: number;
  /** undefined = generated on first start and kept in `<dataDir>/admin-token`. */
  readonly adminToken: string | undefined;
  readonly sqliteSync: 'full' | 'normal';
  /** The SQLite store seals once this many events are past its last seal… */
  readonly sealEvery: number;
  /** …and every this many ms while any event is unsealed. */
  readonly sealIntervalMs: number;
  readonly logLevel: string;
  /** Fastify `trustProxy`: false, true, a hop count, or addresses/CIDRs of the reverse proxies. */
  readonly trustProxy: boolean | number | string;
  /** Worker threads that parse edXML bodies beside the event loop; 0 = parse on it (default: cores - 1, at most 4). */
  readonly parseWorkers: number;
  /**
   * Child processes holding the live board's sockets and writing its changes to them, so a
   * change reaches thousands of sockets on every core; 0 = in the service's own process
   * (default: the number of cores, at most 4, when there are at least 2).
   */
  readonly boardProcesses: number;
  /** The organisation id the hub writes in the TraceHeader it appends to delivered edXML. */
  readonly hubOrganId: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const blankToUndefined = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === '' ? undefined : v]));
  const parsed = EnvSchema.safeParse(blankToUndefined);
  if (!parsed.success)
    throw new ConfigError(`invalid configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
  const e = parsed.data;
  const natsServers = e.LT_NATS_URL?.split(',').map((url) => url.trim());
  const dataDir = resolve(e.LT_DATA_DIR);
  return {
    port: e.LT_PORT,
    host: e.LT_HOST,
    dataDir,
    secretsDir: e.LT_SECRETS_DIR === undefined ? join(dataDir, 'secrets') : resolve(e.LT_SECRETS_DIR),
    initSecrets: e.LT_INIT_SECRETS === '1',
    eventStoreUrl: e.LT_EVENTSTORE,
    eventStoreTimeoutMs: e.LT_EVENTSTORE_TIMEOUT_S === undefined ? undefined : e.LT_EVENTSTORE_TIMEOUT_S * 1000,
    natsServers,
    natsReplicas: e.LT_NATS_REPLICAS ?? ((natsServers?.length ?? 0) >= 3 ? 3 : 1),
    natsConsumerExpiryMs: e.LT_NATS_CONSUMER_EXPIRY_S * 1000,
    maxBodyBytes: Math.floor(e.LT_MAX_BODY_MB * 1024 * 1024),
    adminToken: e.LT_ADMIN_TOKEN,
    sqliteSync: e.LT_SQLITE_SYNC,
    sealEvery: e.LT_SEAL_EVERY,
    sealIntervalMs: e.LT_SEAL_SECONDS * 1000,
    logLevel: e.LT_LOG_LEVEL,
    trustProxy: parseTrustProxy(e.LT_TRUST_PROXY),
    parseWorkers: e.LT_PARSE_WORKERS ?? Math.min(4, Math.max(0, availableParallelism() - 1)),
    boardProcesses: e.LT_BOARD_PROCESSES ?? (availableParallelism() >= 2 ? Math.min(4, availableParallelism()) : 0),
    hubOrganId: e.LT_HUB_ORGAN_ID,
  };
}

/** `true`/`false`, a hop count, or a comma-separated list of proxy addresses or CIDRs. */
function parseTrustProxy(value: string | undefined): boolean | number | string {
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}
