/**
 * Replicas of the hub as separate processes on one PostgreSQL store and one NATS server or
 * cluster, for the scale-out tests: each replica a real child process with its own data
 * directory (read models) and the deployment's shared secrets directory.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Test } from 'tap';
import WebSocket from 'ws';
import { COMPILED_NODE_ARGS, REPO_ROOT, startServer, type NatsClusterHandle, type StartedServer } from '@lienthong/testing';

export const ADMIN_TOKEN = 'replicas-admin-token-0123456789';
/** The receiving district agency of the scale-out and outage specs. */
export const AGENCY = '000.00.12.H40';
/** The sending province agency. */
export const SENDER = '000.00.00.H40';
/** The procedure received at `AGENCY`. */
export const PROCEDURE = '1.004227';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
export const HUB_SOURCE = join(REPO_ROOT, 'services/hub/src/main.ts');

/** The services that run alone (each `services/<name>/src/main.ts`), federation aside: it runs with document routing in the hub. */
export const SERVICES = ['catalog', 'connectors', 'document-routing', 'dossiers', 'reporting', 'status-tracker'] as const;
export type ServiceName = (typeof SERVICES)[number];

/** A service's compiled entry (`pnpm --filter @lienthong/<name> start` runs it), relative to the repository: build first (`buildHub()`). */
export function compiledEntry(service: ServiceName | 'hub' | 'federation'): string {
  return `services/${service}/dist/main.js`;
}

export interface Deployment {
  /** `postgres://…` of the shared store. */
  readonly store: string;
  /** `LT_NATS_URL`: one URL or a cluster's seeds. */
  readonly nats: string;
  /** `LT_SECRETS_DIR` shared by every replica. */
  readonly secretsDir: string;
}

export interface Replica extends StartedServer {
  readonly name: string;
  readonly dataDir: string;
  /** `<root>/<name>.log`: what it printed once listening (appended to by each start of that name). */
  readonly log: string;
}

/**
 * A hub replica from the sources (through tsx) on `<root>/<name>` as its data directory. The
 * first replica of a deployment passes `init` (`LT_INIT_SECRETS=1`). Rejects with the child's
 * output when it exits before listening (a refused start).
 */
export async function startReplica(
  deployment: Deployment,
  root: string,
  name: string,
  options: {
    init?: boolean;
    env?: Readonly<Record<string, string>>;
    /**
     * A service's own entry instead of the hub's sources, relative to the repository: its
     * `src/main.ts` (through tsx) or its compiled `dist/main.js` (`compiledEntry`, no loader).
     */
    entry?: string;
  } = {},
): Promise<Replica> {
  const dataDir = join(root, name);
  mkdirSync(dataDir, { recursive: true });
  const entry = options.entry ? join(REPO_ROOT, options.entry) : HUB_SOURCE;
  const server = await startServer(
    [...(entry.endsWith('.js') ? COMPILED_NODE_ARGS : ['--import', 'tsx']), entry],
    {
      LT_DATA_DIR: dataDir,
      LT_PORT: '0',
      LT_HOST: '127.0.0.1',
      LT_LOG_LEVEL: 'info',
      LT_EVENTSTORE: deployment.store,
      LT_NATS_URL: deployment.nats,
      LT_SECRETS_DIR: deployment.secretsDir,
      LT_ADMIN_TOKEN: ADMIN_TOKEN,
      LT_PARSE_WORKERS: '0',
      LT_BOARD_PROCESSES: '1',
      LT_NATS_CONSUMER_EXPIRY_S: '30',
      ...(options.init ? { LT_INIT_SECRETS: '1' } : {}),
      ...options.env,
    },
    120_000,
  );
  const log = join(root, `${name}.log`);
  const file = createWriteStream(log, { flags: 'a' });
  server.child.stdout?.on('data', (chunk: Buffer) => file.write(chunk));
  server.child.stderr?.on('data', (chunk: Buffer) => file.write(chunk));
  server.child.once('exit', () => file.end());
  return { ...server, name, dataDir, log };
}

export interface Answer {
  readonly status: number;
  /** The Content-Type answered ('' when none or on a network error). */
  readonly type: string;

  readonly body: any;
  /** How long the answer took (ms). */
  readonly ms: number;
}

/**
 * One JSON request to a replica; network errors (a replica killed) answer status 0 with the error
 * as text. `headers` are added (e.g. `{ 'idempotency-key': key }`); gives up after `timeoutMs`.
 */
export async function call(
  base: string,
  method: string,
  path: string,
  token: string | null,
  body?: unknown,
  headers: Readonly<Record<string, string>> = {},
  timeoutMs = 30_000,
): Promise<Answer> {
  const started = performance.now();
  try {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: kept as text
    }
    return { status: res.status, type: res.headers.get('content-type') ?? '', body: parsed, ms: performance.now() - started };
  } catch (error) {
    return { status: 0, type: '', body: String(error), ms: performance.now() - started };
  }
}

/**
 * One write retried with its Idempotency-Key until one of the `ok` statuses answers: each attempt
 * on the next replica of `bases()` (read again each time: replicas come and go), starting at the
 * `n`-th. Only a network error (0) and 503 are retried (a replica killed, the store or NATS away),
 * for up to 90 s; `refusals` counts them by `label status`. Anything else rejects.
 */
export async function writeUntilAcknowledged(
  bases: () => readonly string[],
  request: { method: string; path: string; token: string; body: unknown },
  options: { n: number; ok: readonly number[]; label: string; refusals: Map<string, number> },
): Promise<Answer> {
  const key = randomUUID();
  const deadline = Date.now() + 90_000;
  for (let attempt = 0; ; attempt++) {
    const live = bases();
    const base = live[(options.n + attempt) % live.length]!;
    const res = await call(base, request.method, request.path, request.token, request.body, { 'idempotency-key': key });
    if (options.ok.includes(res.status)) return res;
    const counted = `${options.label} ${res.status}`;
    options.refusals.set(counted, (options.refusals.get(counted) ?? 0) + 1);
    if (![0, 503].includes(res.status) || Date.now() > deadline)
      throw new Error(`${request.method} ${request.path} → ${res.status} ${JSON.stringify(res.body)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * The last faults of the fault specs, while their load runs: kill -9 of the cluster's second NATS
 * node, its restart 3 s later (waited for until `LT_EVENTS` is healthy again), then a PostgreSQL
 * restart and 3 s more of load. `writes` tells how many writes so far, for the log.
 */
export async function killNatsNodeThenRestartPostgres(
  t: Test,
  cluster: NatsClusterHandle,
  pg: { restart(): Promise<void> },
  writes: () => number,
): Promise<void> {
  const node = cluster.nodes[1]!;
  await node.kill();
  t.comment(`NATS node ${node.name} killed (-9) after ${writes()} writes`);
  await sleep(3000);
  await node.restart();
  await cluster.waitForHealthy(['LT_EVENTS'], 30_000);
  t.comment(`NATS node ${node.name} back after ${writes()} writes`);
  await pg.restart();
  t.comment(`PostgreSQL restarted after ${writes()} writes`);
  await sleep(3000);
}

/** Every dossier stream of the store (`/v1/admin/streams?prefix=dossier-`, all pages) as `base` lists them. */
export async function dossierStreams(base: string): Promise<string[]> {
  const streams: string[] = [];
  for (let after: string | null = ''; after !== null;) {
    const page: Answer = await call(
      base,
      'GET',
      `/v1/admin/streams?prefix=dossier-&limit=100${after ? `&after=${after}` : ''}`,
      ADMIN_TOKEN,
    );
    streams.push(...(page.body.items as Array<{ stream: string }>).map((s) => s.stream));
    after = page.body.next as string | null;
  }
  return streams;
}

/** A document in its JSON form from `from` to `to`, numbered `n` (`Công văn số n`). */
export function sampleDocument(n: number | string, from: string, to: string, subject = `Công văn số ${n}`): unknown {
  return {
    header: {
      from: { organId: from, organName: 'UBND tỉnh' },
      to: [{ organId: to, organName: 'UBND huyện' }],
      code: { codeNumber: String(n), codeNotation: 'UBND-VP' },
      promulgationInfo: { place: 'Nha Trang', promulgationDate: '2026-11-20' },
      documentType: { type: 1, typeName: 'Công văn' },
      subject,
      signerInfo: { position: 'Chánh Văn phòng', fullName: 'Nguyễn Văn A' },
      toPlaces: [],
      otherInfo: { priority: 0, appendixes: [] },
      responseFor: [],
    },
    traceHeaders: [{ organId: from, timestamp: '2026-11-20T08:00:00+07:00' }],
    attachments: [],
  };
}

export interface SocketClient {
  readonly messages: any[];
  /** The first message (received or to come) that matches, or a rejection after `timeoutMs`. */

  next(test: (m: any) => boolean, timeoutMs?: number): Promise<any>;
  /** The close code, once closed. */
  readonly closed: Promise<number>;
  /** Sends one JSON message; false when the socket is no longer open. */
  send(message: unknown): boolean;
  close(): void;
}

/** Opens a WebSocket with a bearer token (none when empty); rejects when the upgrade is refused. */
export function openSocket(url: string, token: string): Promise<SocketClient> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    const messages: unknown[] = [];
    socket.on('message', (raw: Buffer) => messages.push(JSON.parse(raw.toString())));
    const closed = new Promise<number>((r) => socket.on('close', (code) => r(code)));
    socket.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    socket.once('error', reject);
    socket.once('open', () =>
      resolve({
        messages,
        closed,
        close: () => socket.terminate(),
        send: (message) => {
          if (socket.readyState !== WebSocket.OPEN) return false;
          socket.send(JSON.stringify(message));
          return true;
        },
        async next(test, timeoutMs = 15_000) {
          const deadline = Date.now() + timeoutMs;
          for (;;) {
            const found = messages.find(test);
            if (found !== undefined) return found;
            if (Date.now() > deadline) throw new Error(`no matching message within ${timeoutMs} ms (${messages.length} received)`);
            await new Promise((r) => setTimeout(r, 25));
          }
        },
      }),
    );
  });
}
