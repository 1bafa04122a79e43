import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './temp.js';

/** Where Debian's `nats-server` package installs the binary; `LT_NATS_SERVER` overrides it. */
export const NATS_SERVER_BIN = process.env.LT_NATS_SERVER ?? '/usr/sbin/nats-server';

export interface StartNatsServerOptions {
  /** Enables JetStream (`-js`); default true. */
  readonly jetstream?: boolean;
  /** JetStream store directory; a temporary one (removed at process exit) when absent. */
  readonly storeDir?: string;
  /** How long to wait for the server to accept connections; default 10 s. */
  readonly readyTimeoutMs?: number;
}

/** A nats-server child process on a loopback port, killed when this process exits. */
export interface NatsServerHandle {
  /** `nats://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  readonly storeDir: string;
  /** Graceful stop (SIGTERM), resolves once the process has exited. Idempotent. */
  stop(): Promise<void>;
  /** Stops if running, then starts again on the same port and store directory. */
  restart(): Promise<void>;
  /** Crash (SIGKILL), resolves once the process has exited. */
  kill(): Promise<void>;
}

/** True when the nats-server binary is installed and executable. */
export function natsServerAvailable(): boolean {
  try {
    accessSync(NATS_SERVER_BIN, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The part of a tap `Test` that `requireNatsServer` uses. */
export interface SkippableTest {
  fail(message: string): unknown;
  skip(name: string, fn: () => void): unknown;
}

/**
 * Guards a test that needs nats-server: returns true when it is installed. Otherwise the test
 * fails under CI (a missing server must not pass silently there) and is reported skipped elsewhere.
 */
export function requireNatsServer(t: SkippableTest): boolean {
  if (natsServerAvailable()) return true;
  const message = `nats-server not found at ${NATS_SERVER_BIN} (apt-get install nats-server)`;
  if (process.env.CI) t.fail(message);
  else t.skip(message, () => {}); // reported as a skipped subtest
  return false;
}

const running = new Set<ChildProcess>();
const ownedDirs = new Set<string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of running) child.kill('SIGKILL');
    for (const dir of ownedDirs) rmSync(dir, { recursive: true, force: true });
  });
}

/**
 * Kills the server when this process dies without running exit hooks (SIGKILL, tap timeout):
 * a detached shell polls both pids once a second.
 */
function startWatchdog(serverPid: number): void {
  const script = 'while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 1; done; kill -9 "$2" 2>/dev/null';
  const watchdog = spawn('sh', ['-c', script, 'watchdog', String(process.pid), String(serverPid)], {
    detached: true,
    stdio: 'ignore',
  });
  watchdog.unref();
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Spawns nats-server with `args` and waits for "Server is ready". */
export async function spawnServer(args: readonly string[], readyTimeoutMs: number): Promise<ChildProcess> {
  const child = spawn(NATS_SERVER_BIN, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  if (child.pid !== undefined) startWatchdog(child.pid);

  // nats-server logs to stderr; "Server is ready" comes after JetStream is up and the port is bound.
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`nats-server not ready after ${readyTimeoutMs} ms:\n${log}`));
    }, readyTimeoutMs);
    const onData = (chunk: Buffer): void => {
      log += chunk.toString();
      if (log.includes('Server is ready')) {
        clearTimeout(timer);
        child.stderr?.off('data', onData);
        child.stderr?.resume(); // keep draining so the pipe never blocks the server
        resolve();
      }
    };
    child.stderr?.on('data', onData);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`nats-server exited (${code ?? signal}) before ready:\n${log}`));
    });
  });
  return child;
}

/** Starts nats-server on a free loopback port and waits until it is ready. */
export async function startNatsServer(options: StartNatsServerOptions = {}): Promise<NatsServerHandle> {
  installExitHook();
  const jetstream = options.jetstream ?? true;
  const readyTimeoutMs = options.readyTimeoutMs ?? 10_000;
  const storeDir = options.storeDir ?? ownedTempDir('lt-nats-');
  const port = await freePort();
  const args = ['-a', '127.0.0.1', '-p', String(port)];
  if (jetstream) args.push('-js', '-sd', storeDir);
  return serverHandle(port, storeDir, args, readyTimeoutMs);
}

/** Starts the server and returns its handle; restarts reuse the same arguments (port, store, routes). */
export async function serverHandle(
  port: number,
  storeDir: string,
  args: readonly string[],
  readyTimeoutMs: number,
): Promise<NatsServerHandle> {
  installExitHook();
  let child: ChildProcess | null = await spawnServer(args, readyTimeoutMs);
  const end = async (signal: NodeJS.Signals): Promise<void> => {
    const current = child;
    child = null;
    if (current === null) return;
    const done = exited(current);
    current.kill(signal);
    await done;
  };
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    stop: () => end('SIGTERM'),
    kill: () => end('SIGKILL'),
    async restart() {
      await end('SIGTERM');
      child = await spawnServer(args, readyTimeoutMs);
    },
  };
}

/** Registers a temporary directory removed when this process exits. */
export function ownedTempDir(prefix: string): string {
  installExitHook();
  const dir = mkdtempSync(join(tmpdir(), prefix));
  ownedDirs.add(dir);
  return dir;
}
