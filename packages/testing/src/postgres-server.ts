/**
 * A throw-away PostgreSQL server for tests and benchmarks: `initdb` in a temporary folder owned
 * by the `postgres` user, `pg_ctl start` on a free loopback port (no TCP outside 127.0.0.1, the
 * socket in the same folder), stopped and removed when this process exits.
 */
import { execFileSync, spawn } from 'node:child_process';
import { accessSync, chmodSync, chownSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './temp.js';
import type { SkippableTest } from './nats-server.js';

/** Debian's `postgresql` package; `LT_PG_BIN` overrides the directory. */
export const POSTGRES_BIN_DIR = process.env.LT_PG_BIN ?? '/usr/lib/postgresql/15/bin';

export interface StartPostgresOptions {
  /**
   * `fast` (default, tests): fsync and full_page_writes off — a crash of the machine may lose the
   * server, which a test never needs; a crash of the server loses nothing (synchronous_commit stays
   * on: a commit is in the kernel before it is acknowledged). `durable`: PostgreSQL's defaults.
   */
  readonly durability?: 'fast' | 'durable';
  /** `max_connections`; default 200 (64 concurrent writers and a few pools). */
  readonly maxConnections?: number;
}

export interface PostgresServerHandle {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** A fresh database on this server; returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** `pg_ctl stop -m fast`; idempotent. */
  stop(): Promise<void>;
  /** Starts again on the same port and data (after `stop`). */
  start(): Promise<void>;
  /** `stop` then `start`. */
  restart(): Promise<void>;
  /** `pg_ctl stop -m immediate`: a crash, transactions in flight lost (recovered from WAL on start). */
  crash(): Promise<void>;
}

export function postgresAvailable(): boolean {
  try {
    accessSync(join(POSTGRES_BIN_DIR, 'initdb'), constants.X_OK);
    accessSync(join(POSTGRES_BIN_DIR, 'pg_ctl'), constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Like `requireNatsServer`: fails under CI when PostgreSQL is missing, skips elsewhere. */
export function requirePostgres(t: SkippableTest): boolean {
  if (postgresAvailable()) return true;
  const message = `PostgreSQL not found in ${POSTGRES_BIN_DIR} (apt-get install postgresql)`;
  if (process.env.CI) t.fail(message);
  else t.skip(message, () => {});
  return false;
}

const owned = new Set<{ dataDir: string; dir: string; running: boolean }>();
let hook = false;

function asPostgres(bin: string, args: readonly string[]): string[] {
  // Root cannot run the server; the postgres user can (Debian's package creates it).
  const command = join(POSTGRES_BIN_DIR, bin);
  return process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--', command, ...args] : [command, ...args];
}

function run(bin: string, args: readonly string[], timeoutMs = 60_000): string {
  const [file, ...rest] = asPostgres(bin, args);
  return execFileSync(file ?? bin, rest, { encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] });
}

function installHook(): void {
  if (hook) return;
  hook = true;
  process.on('exit', () => {
    for (const server of owned) {
      if (server.running) {
        try {
          run('pg_ctl', ['stop', '-D', server.dataDir, '-m', 'immediate', '-w', '-t', '10'], 15_000);
        } catch {
          // already gone
        }
      }
      rmSync(server.dir, { recursive: true, force: true });
    }
  });
}

/** Stops the server when this process dies without exit hooks (SIGKILL, tap timeout). */
function watchdog(dataDir: string): void {
  const [file, ...rest] = asPostgres('pg_ctl', ['stop', '-D', dataDir, '-m', 'immediate']);
  const stop = [file, ...rest].map((a) => `'${String(a).replaceAll("'", "'\\''")}'`).join(' ');
  const script = `while kill -0 "$1" 2>/dev/null; do sleep 1; done; [ -f '${dataDir}/postmaster.pid' ] && ${stop} >/dev/null 2>&1`;
  spawn('sh', ['-c', script, 'watchdog', String(process.pid)], { detached: true, stdio: 'ignore' }).unref();
}

export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresServerHandle> {
  if (!postgresAvailable()) throw new Error(`PostgreSQL not found in ${POSTGRES_BIN_DIR}`);
  installHook();
  const dir = mkdtempSync(join(tmpdir(), 'lt-pg-'));
  const dataDir = join(dir, 'data');
  const server = { dataDir, dir, running: false };
  owned.add(server);
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  chmodSync(dir, 0o755);
  run('initdb', ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync']);
  const port = await freePort();
  const fast = (options.durability ?? 'fast') === 'fast';
  const settings = [
    `port = ${port}`,
    `listen_addresses = '127.0.0.1'`,
    `unix_socket_directories = '${dir}'`,
    `max_connections = ${options.maxConnections ?? 200}`,
    'shared_buffers = 64MB',
    ...(fast ? ['fsync = off', 'full_page_writes = off'] : []),
  ];
  writeFileSync(join(dataDir, 'postgresql.auto.conf'), `${settings.join('\n')}\n`);
  const start = async (): Promise<void> => {
    run('pg_ctl', ['start', '-D', dataDir, '-w', '-t', '30', '-l', join(dir, 'server.log')], 40_000);
    server.running = true;
  };
  const halt = (mode: 'fast' | 'immediate') => async (): Promise<void> => {
    if (!server.running) return;
    run('pg_ctl', ['stop', '-D', dataDir, '-m', mode, '-w', '-t', '30'], 40_000);
    server.running = false;
  };
  const stop = halt('fast');
  await start();
  watchdog(dataDir);
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  return {
    url,
    port,
    dataDir,
    async createDatabase(name) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new TypeError(`bad database name ${name}`);
      run('psql', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-v', 'ON_ERROR_STOP=1', '-c', `CREATE DATABASE ${name}`]);
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    stop,
    start,
    crash: halt('immediate'),
    async restart() {
      await stop();
      await start();
    },
  };
}
