/**
 * A connector engine in-process for the engine specs: its registry read model (a projection
 * runner in `projectionsDir`) started first, a fresh metrics registry, loopback allowed, nothing
 * logged. `close` stops the engine then the runner, once.
 */
import { Registry } from 'prom-client';
import type { EventStore } from '@lienthong/event-store';
import { createProjectionRunner } from '@lienthong/projections';
import { readRegistry, registryProjection } from '../projections/registry-projection.js';
import { ConnectorEngine, type EngineOptions } from '../engine/engine.js';

export interface TestEngineOptions {
  readonly key: Buffer;
  readonly delivery: EngineOptions['delivery'];
  readonly limits: EngineOptions['limits'];
  /** How long a registry load waits for the read model (ms). */
  readonly registryWaitMs: number;
  readonly leaseMs?: number;
  readonly holder?: string;
}

export interface TestEngine {
  readonly engine: ConnectorEngine;
  /** How long `engine.start()` took (ms). */
  readonly startMs: number;
  /** Stops the engine, then its read model; later calls do nothing. */
  readonly close: () => Promise<void>;
}

const silent = { warn: () => undefined, info: () => undefined };

export async function startTestEngine(store: EventStore, projectionsDir: string, options: TestEngineOptions): Promise<TestEngine> {
  const runner = createProjectionRunner({ projection: registryProjection, store, dir: projectionsDir });
  await runner.start();
  const engine = new ConnectorEngine({
    store,
    key: options.key,
    registry: new Registry(),
    urlPolicy: { allowLoopback: true, hubPort: undefined },
    delivery: options.delivery,
    limits: options.limits,
    log: silent,
    ...(options.leaseMs !== undefined ? { leaseMs: options.leaseMs } : {}),
    ...(options.holder !== undefined ? { holder: options.holder } : {}),
    registryView: {
      async load(upTo) {
        await runner.waitFor(upTo, options.registryWaitMs);
        return readRegistry(runner.db());
      },
    },
  });
  const started = performance.now();
  await engine.start();
  const startMs = performance.now() - started;
  let closed = false;
  return {
    engine,
    startMs,
    close: async () => {
      if (closed) return;
      closed = true;
      await engine.close();
      await runner.stop();
    },
  };
}
