import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { childEnv, freePort } from '@lienthong/testing';

const SCRIPT = fileURLToPath(new URL('./receiver.ts', import.meta.url));

export interface Delivery {
  readonly id: string;
  readonly stream: string;
  readonly position: number;
  readonly type: string;
  readonly verified: boolean;
  readonly headers: Record<string, string>;
  readonly body: Record<string, unknown>;
}

export interface ReceiverProcess {
  readonly port: number;
  readonly url: string;
  control(settings: Record<string, unknown>): Promise<void>;
  deliveries(): Delivery[];
  attempts(): Array<{ id: string; attempt: number; stream: string }>;
  /** Answers (`huge`, `trickle`) the client hung up on, with the bytes written by then. */
  cuts(): Array<{ id: string; written: number }>;
  /** SIGKILL: connections in flight are reset. */
  kill(): Promise<void>;
  /** Starts again on the same port and log. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** The receiver (./receiver.ts) as a child process on a free loopback port, logging to `dir`. */
export async function startReceiver(dir: string, secret?: string): Promise<ReceiverProcess> {
  const port = await freePort();
  const log = join(dir, `receiver-${port}.jsonl`);
  let child: ChildProcess | null = null;
  const launch = () =>
    new Promise<void>((resolve, reject) => {
      const proc = spawn(process.execPath, ['--import', 'tsx', SCRIPT, String(port), log, ...(secret ? [secret] : [])], {
        env: childEnv({}),
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      child = proc;
      const timer = setTimeout(() => reject(new Error('receiver did not start')), 20_000);
      proc.stdout.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('listening')) {
          clearTimeout(timer);
          resolve();
        }
      });
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`receiver exited ${code}`));
      });
    });
  // Complete lines only: the receiver may be writing the last one while it is read.
  const lines = () =>
    existsSync(log)
      ? readFileSync(log, 'utf8')
          .split('\n')
          .slice(0, -1)
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Record<string, unknown>)
      : [];
  const kill = async () => {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGKILL');
    await exited;
  };
  await launch();
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    async control(settings) {
      const res = await fetch(`http://127.0.0.1:${port}/__control`, { method: 'POST', body: JSON.stringify(settings) });
      if (!res.ok) throw new Error(`control → ${res.status}`);
    },
    deliveries: () => lines().filter((l) => l.kind === 'delivery') as unknown as Delivery[],
    attempts: () => lines().filter((l) => l.kind === 'attempt') as unknown as Array<{ id: string; attempt: number; stream: string }>,
    cuts: () => lines().filter((l) => l.kind === 'cut') as unknown as Array<{ id: string; written: number }>,
    kill,
    restart: launch,
    close: kill,
  };
}

/** Per stream, the positions in the order they were first received: each list must be increasing. */
export function firstDeliveryOrder(deliveries: readonly Delivery[]): Map<string, number[]> {
  const seen = new Set<string>();
  const order = new Map<string, number[]>();
  for (const d of deliveries) {
    if (seen.has(d.id)) continue;
    seen.add(d.id);
    const list = order.get(d.stream) ?? [];
    list.push(d.position);
    order.set(d.stream, list);
  }
  return order;
}

export const increasing = (list: readonly number[]) => list.every((p, i) => i === 0 || p > list[i - 1]!);
