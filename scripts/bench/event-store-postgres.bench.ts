/**
 * The PostgreSQL event store against Emmett's (`@event-driven-io/emmett-postgresql`), side by side
 * on one PostgreSQL server started for the run (PostgreSQL's durable defaults: fsync on,
 * synchronous_commit on), each in a database of its own:
 * 1. 64 concurrent writers, one event per append, each on its own stream with the exact expected revision;
 * 2. one writer, the same appends one after the other;
 * 3. appends of 100 events to fresh streams;
 * 4. reading a whole stream of 20 events.
 * Rounds alternate which store goes first (the machine is shared); ratios ours/Emmett are the
 * median of the per-round ratios, rates the best round.
 * Then, on the same server, the store's lone-append statement through each driver (`postgres`, the
 * one the store uses, and `pg`): see event-store-postgres-drivers.ts.
 */
import { randomUUID } from 'node:crypto';
import type { Event } from '@event-driven-io/emmett';
import { getPostgreSQLEventStore } from '@event-driven-io/emmett-postgresql';
import type { PostgresEventStore } from '@event-driven-io/emmett-postgresql';
import { createPostgresEventStore } from '@lienthong/event-store/postgres';
import type { EventStore, NewEvent } from '@lienthong/event-store';
import { startPostgres } from '@lienthong/testing';
import { DRIVER_WORKLOADS, measureDrivers } from './event-store-postgres-drivers.js';
import { atLeast, round } from './types.js';
import type { BenchContext, BenchReport, Metric, Target } from './types.js';

const WRITERS = 64;
const BATCH = 100;
const STREAM_OF = 20;

type Received = Event<'DossierReceived', Record<string, unknown>, Record<string, unknown>>;

function sampleData(i: number): Record<string, unknown> {
  return {
    dossierCode: `000.00.12.H40-261122-${String(i).padStart(4, '0')}`,
    procedureCode: '1.004227',
    applicant: { name: 'Nguyễn Văn An', idNumber: '001203004005', phone: '0901234567', address: 'Số 1, Phường Bến Nghé, Quận 1' },
    channel: 'counter',
    components: [
      { name: 'Tờ khai', copies: 1 },
      { name: 'Căn cước công dân', copies: 1 },
    ],
    receivedAt: '2026-11-22T08:00:00.000Z',
    dueAt: '2026-11-29T08:00:00.000Z',
  };
}
const META = { correlationId: 'c', causationId: null, actor: 'staff:clerk-1', at: '2026-11-22T08:00:00.000Z' };
const ours = (i: number): NewEvent => ({
  id: randomUUID(),
  type: 'DossierReceived',
  data: sampleData(i),
  metadata: { ...META, correlationId: randomUUID() },
});
const theirs = (i: number): Received => ({
  type: 'DossierReceived',
  data: sampleData(i),
  metadata: { ...META, correlationId: randomUUID() },
});

/** The four workloads, written once per store. */
interface Subject {
  readonly name: string;
  /** Appends `n` events one by one to `stream` with exact expected revisions, until `deadline`; returns the count. */
  appendUntil(stream: string, deadline: number): Promise<number>;
  appendBatch(stream: string, size: number, from: number): Promise<void>;
  read(stream: string): Promise<number>;
  close(): Promise<void>;
}

function oursSubject(store: EventStore): Subject {
  return {
    name: 'lienthong',
    async appendUntil(stream, deadline) {
      let n = 0;
      for (let rev = -1; performance.now() < deadline; rev++, n++)
        await store.append(stream, [ours(n)], { expectedRevision: rev < 0 ? 'no_stream' : rev });
      return n;
    },
    async appendBatch(stream, size, from) {
      await store.append(
        stream,
        Array.from({ length: size }, (_, i) => ours(from + i)),
        { expectedRevision: 'no_stream' },
      );
    },
    async read(stream) {
      return (await store.readStream(stream)).length;
    },
    close: () => store.close(),
  };
}

function emmettSubject(store: PostgresEventStore): Subject {
  return {
    name: 'emmett',
    async appendUntil(stream, deadline) {
      let n = 0;
      let version: bigint | 'STREAM_DOES_NOT_EXIST' = 'STREAM_DOES_NOT_EXIST';
      for (; performance.now() < deadline; n++) {
        const result: { nextExpectedStreamVersion: bigint } = await store.appendToStream(stream, [theirs(n)], {
          expectedStreamVersion: version,
        });
        version = result.nextExpectedStreamVersion;
      }
      return n;
    },
    async appendBatch(stream, size, from) {
      await store.appendToStream(
        stream,
        Array.from({ length: size }, (_, i) => theirs(from + i)),
        { expectedStreamVersion: 'STREAM_DOES_NOT_EXIST' },
      );
    },
    async read(stream) {
      return (await store.readStream(stream)).events.length;
    },
    close: () => store.close(),
  };
}

interface Sizes {
  readonly seconds: number;
  readonly rounds: number;
  readonly batches: number;
  readonly reads: number;
}

type Workload = 'concurrent64' | 'oneWriter' | 'batched100' | 'readStream20';
const WORKLOADS: readonly Workload[] = ['concurrent64', 'oneWriter', 'batched100', 'readStream20'];
const UNITS: Record<Workload, string> = {
  concurrent64: 'events/s',
  oneWriter: 'events/s',
  batched100: 'events/s',
  readStream20: 'reads/s',
};

async function measure(subject: Subject, workload: Workload, sizes: Sizes, tag: string): Promise<number> {
  const t0 = performance.now();
  switch (workload) {
    case 'concurrent64': {
      const deadline = t0 + sizes.seconds * 1000;
      const counts = await Promise.all(Array.from({ length: WRITERS }, (_, w) => subject.appendUntil(`${tag}-w${w}`, deadline)));
      return counts.reduce((a, b) => a + b, 0) / ((performance.now() - t0) / 1000);
    }
    case 'oneWriter': {
      const n = await subject.appendUntil(`${tag}-one`, t0 + sizes.seconds * 1000);
      return n / ((performance.now() - t0) / 1000);
    }
    case 'batched100': {
      for (let b = 0; b < sizes.batches; b++) await subject.appendBatch(`${tag}-b${b}`, BATCH, b * BATCH);
      return (sizes.batches * BATCH) / ((performance.now() - t0) / 1000);
    }
    case 'readStream20': {
      const streams = Array.from({ length: 20 }, (_, s) => `${tag}-r${s}`);
      for (const s of streams) await subject.appendBatch(s, STREAM_OF, 0);
      const start = performance.now();
      for (let r = 0; r < sizes.reads; r++) {
        const got = await subject.read(streams[r % streams.length] as string);
        if (got !== STREAM_OF) throw new Error(`${subject.name} read ${got} of ${STREAM_OF} events`);
      }
      return sizes.reads / ((performance.now() - start) / 1000);
    }
  }
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

export default async function eventStorePostgresBench(ctx: BenchContext): Promise<BenchReport> {
  const sizes: Sizes = ctx.quick ? { seconds: 1, rounds: 1, batches: 20, reads: 500 } : { seconds: 2, rounds: 3, batches: 60, reads: 2000 };
  const server = await startPostgres({ durability: 'durable' });
  try {
    const oursUrl = await server.createDatabase('lienthong');
    const emmettUrl = await server.createDatabase('emmett');
    const lt = oursSubject(createPostgresEventStore({ url: oursUrl }));
    const em = emmettSubject(getPostgreSQLEventStore(emmettUrl));
    // Warm-up (schemas created, pools filled, code compiled): not recorded.
    await measure(lt, 'batched100', { ...sizes, batches: 3 }, 'warm');
    await measure(em, 'batched100', { ...sizes, batches: 3 }, 'warm');
    await measure(lt, 'concurrent64', { ...sizes, seconds: 0.3 }, 'warm');
    await measure(em, 'concurrent64', { ...sizes, seconds: 0.3 }, 'warm');

    const rates = new Map<string, number[]>();
    const errors: string[] = [];
    const push = (key: string, value: number): void => void rates.set(key, [...(rates.get(key) ?? []), value]);
    for (let r = 0; r < sizes.rounds; r++) {
      for (const workload of WORKLOADS) {
        const order = r % 2 === 0 ? [lt, em] : [em, lt];
        for (const subject of order) {
          try {
            push(`${subject.name}.${workload}`, await measure(subject, workload, sizes, `${workload}-${r}`));
          } catch (error) {
            errors.push(`${subject.name} ${workload} round ${r}: ${(error as Error).message}`);
            push(`${subject.name}.${workload}`, 0);
          }
        }
        ctx.log(
          `round ${r} ${workload}: lienthong ${Math.round(rates.get(`lienthong.${workload}`)?.at(-1) ?? 0)}, emmett ${Math.round(rates.get(`emmett.${workload}`)?.at(-1) ?? 0)}`,
        );
      }
    }
    await lt.close();
    await em.close();

    // The driver choice, on a database of its own with the store's schema.
    const driversUrl = await server.createDatabase('drivers');
    const schemaOnly = createPostgresEventStore({ url: driversUrl });
    await schemaOnly.headPosition();
    await schemaOnly.close();
    const drivers = await measureDrivers(driversUrl, sizes.rounds, sizes.seconds, sizes.batches, ctx.log);

    const metrics: Record<string, Metric> = {};
    const baseline: Record<string, Metric> = {};
    const ratios: Record<string, number> = {};
    const targets: Target[] = [];
    for (const workload of WORKLOADS) {
      const mine = rates.get(`lienthong.${workload}`) ?? [];
      const theirsRates = rates.get(`emmett.${workload}`) ?? [];
      metrics[workload] = { value: Math.round(Math.max(...mine)), unit: UNITS[workload] };
      baseline[`emmett.${workload}`] = { value: Math.round(Math.max(...theirsRates)), unit: UNITS[workload] };
      const ratio = median(mine.map((m, i) => m / (theirsRates[i] || Number.NaN)));
      ratios[`${workload}/emmett.${workload}`] = round(ratio);
      targets.push(atLeast(`${workload}: lienthong / emmett`, workload === 'concurrent64' ? 1.5 : 1, ratio));
    }
    for (const workload of DRIVER_WORKLOADS) {
      const { postgres: viaPostgres, pg: viaPg } = drivers.rates[workload];
      metrics[`driver.postgres.${workload}`] = { value: Math.round(Math.max(...viaPostgres)), unit: 'events/s' };
      baseline[`driver.pg.${workload}`] = { value: Math.round(Math.max(...viaPg)), unit: 'events/s' };
      ratios[`driver.postgres.${workload}/driver.pg.${workload}`] = round(median(viaPostgres.map((v, i) => v / (viaPg[i] || Number.NaN))));
    }
    return {
      name: 'event-store-postgres',
      metrics,
      baseline,
      ratios,
      targets,
      notes: [
        `PostgreSQL 15 started for the run, durable defaults (fsync on, synchronous_commit on); one database per store; ${sizes.rounds} round(s) alternating which store goes first`,
        `concurrent64 and oneWriter run ${sizes.seconds} s each; batched100: ${sizes.batches} appends of ${BATCH}; readStream20: ${sizes.reads} reads of 20-event streams`,
        'metrics/baseline: best round; ratios and targets: median of per-round ratios lienthong/emmett',
        "driver.*: the store's lone-append statement sent prepared by each driver from a pool of 10 (no group commit), ratio postgres/pg",
        ...errors.map((e) => `error: ${e}`),
      ],
    };
  } finally {
    await server.stop();
  }
}
