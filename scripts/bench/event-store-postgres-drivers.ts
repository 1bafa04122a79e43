/**
 * The driver choice of the PostgreSQL store (issue 15, item 1: `postgres` or `pg`, measured): the
 * store's own lone-append statement (`loneAppendStatement`, one auto-committed statement whose
 * stream head this process knows) sent by each driver, prepared, from a pool of 10 connections:
 * 1. one writer appending one event at a time to its stream;
 * 2. appends of 100 events to fresh streams;
 * 3. 64 concurrent writers, each on its own stream (lone statements: no group commit here, so
 *    this measures the drivers' pools and pipelining, not the store's batching).
 * Rounds alternate which driver goes first; the ratio is the median of per-round ratios postgres/pg.
 */
import { createHash, randomUUID } from 'node:crypto';
import { loneAppendStatement, NEW_STREAM, type KnownHead } from '@lienthong/event-store/postgres-append';
import type { NewEvent } from '@lienthong/event-store';
import pg from 'pg';
import postgres from 'postgres';

const POOL = 10;
const WRITERS = 64;
const BATCH = 100;

/** Sends one statement; resolves with the number of rows it returned (1 when it wrote). */
type Send = (text: string, values: unknown[]) => Promise<number>;

interface Driver {
  readonly name: 'postgres' | 'pg';
  readonly send: Send;
  close(): Promise<void>;
}

function postgresDriver(url: string): Driver {
  const sql = postgres(url, { max: POOL, onnotice: () => {} });
  return {
    name: 'postgres',
    send: async (text, values) => (await sql.unsafe(text, values as never[], { prepare: true })).length,
    close: () => sql.end({ timeout: 5 }),
  };
}

function pgDriver(url: string): Driver {
  const pool = new pg.Pool({ connectionString: url, max: POOL });
  // A named query is prepared once per connection, as the other driver's `prepare: true`.
  const names = new Map<string, string>();
  const nameOf = (text: string): string => {
    let name = names.get(text);
    if (!name) names.set(text, (name = `lt_${createHash('sha1').update(text).digest('hex').slice(0, 12)}`));
    return name;
  };
  return {
    name: 'pg',
    send: async (text, values) => (await pool.query({ name: nameOf(text), text, values })).rowCount ?? 0,
    close: () => pool.end(),
  };
}

const event = (i: number): NewEvent => ({
  id: randomUUID(),
  type: 'DossierReceived',
  data: { dossierCode: `000.00.12.H40-261122-${String(i).padStart(4, '0')}`, procedureCode: '1.004227', channel: 'counter' },
  metadata: { correlationId: randomUUID(), causationId: null, actor: 'staff:clerk-1', at: '2026-11-22T08:00:00.000Z' },
});

async function appendUntil(send: Send, stream: string, deadline: number): Promise<number> {
  let head: KnownHead = NEW_STREAM;
  let n = 0;
  for (; performance.now() < deadline; n++) {
    const statement = loneAppendStatement(stream, [event(n)], head);
    if ((await send(statement.text, statement.values)) !== 1) throw new Error(`append to ${stream} did not apply`);
    head = statement.next;
  }
  return n;
}

export type DriverWorkload = 'oneWriter' | 'batched100' | 'concurrent64';
export const DRIVER_WORKLOADS: readonly DriverWorkload[] = ['oneWriter', 'batched100', 'concurrent64'];

async function measure(driver: Driver, workload: DriverWorkload, seconds: number, batches: number, tag: string): Promise<number> {
  const t0 = performance.now();
  switch (workload) {
    case 'oneWriter':
      return (await appendUntil(driver.send, `${tag}-one`, t0 + seconds * 1000)) / ((performance.now() - t0) / 1000);
    case 'batched100': {
      for (let b = 0; b < batches; b++) {
        const statement = loneAppendStatement(
          `${tag}-b${b}`,
          Array.from({ length: BATCH }, (_, i) => event(i)),
        );
        if ((await driver.send(statement.text, statement.values)) !== 1) throw new Error('batch did not apply');
      }
      return (batches * BATCH) / ((performance.now() - t0) / 1000);
    }
    case 'concurrent64': {
      const deadline = t0 + seconds * 1000;
      const counts = await Promise.all(Array.from({ length: WRITERS }, (_, w) => appendUntil(driver.send, `${tag}-w${w}`, deadline)));
      return counts.reduce((a, b) => a + b, 0) / ((performance.now() - t0) / 1000);
    }
  }
}

export interface DriverRates {
  /** Per workload, per driver, the rate of each round (events/s). */
  readonly rates: Record<DriverWorkload, { postgres: number[]; pg: number[] }>;
}

/**
 * Both drivers on `url` (a database the store's schema is already in), `rounds` rounds.
 * `seconds` per timed workload, `batches` appends of 100.
 */
export async function measureDrivers(
  url: string,
  rounds: number,
  seconds: number,
  batches: number,
  log: (line: string) => void,
): Promise<DriverRates> {
  const drivers = [postgresDriver(url), pgDriver(url)];
  const rates: DriverRates['rates'] = {
    oneWriter: { postgres: [], pg: [] },
    batched100: { postgres: [], pg: [] },
    concurrent64: { postgres: [], pg: [] },
  };
  try {
    for (const d of drivers) await measure(d, 'concurrent64', 0.3, 3, `warm-${d.name}`);
    for (let r = 0; r < rounds; r++)
      for (const workload of DRIVER_WORKLOADS) {
        for (const d of r % 2 === 0 ? drivers : [...drivers].reverse())
          rates[workload][d.name].push(await measure(d, workload, seconds, batches, `drv-${d.name}-${workload}-${r}`));
        log(
          `round ${r} driver ${workload}: postgres ${Math.round(rates[workload].postgres.at(-1) ?? 0)}, pg ${Math.round(rates[workload].pg.at(-1) ?? 0)}`,
        );
      }
  } finally {
    for (const d of drivers) await d.close();
  }
  return { rates };
}
