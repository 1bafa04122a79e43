import type { FastifyInstance } from 'fastify';
import type { EventStore } from '@lienthong/event-store';
import type { Bus, CheckpointStore } from '@lienthong/bus';
import type { Projection, ProjectionFeed, ProjectionRunner } from '@lienthong/projections';
import type { Config, Logger, Metrics, ReadinessCheck } from '@lienthong/service-kit';
import type { DirectoryView } from '@lienthong/directory';
import type { SessionGuard } from './session-guard.js';

import type { AggregateType } from '@lienthong/decider';
export type { AggregateType };

/** One service of lienthong, mountable alone or in the all-in-one host. */
export interface ServiceModule {
  /** Names the service in bus subjects `lt.evt.<name>.<EventType>`. */
  readonly name: string;
  /** Streams the service owns; the platform relays their events to the bus. */
  readonly streamPrefixes: readonly string[];
  readonly aggregates?: readonly AggregateType[];
  /** Registers the routes (before the app starts listening). */
  register(app: FastifyInstance): Promise<void>;
  /** Starts consumers, schedulers… after the projections of the platform are running. */
  start?(): Promise<void>;
  stop?(): Promise<void>;
  readonly readiness?: readonly ReadinessCheck[];
}

export type ServiceModuleFactory = (platform: Platform) => ServiceModule | Promise<ServiceModule>;

/** What every service gets from the host it runs in. */
export interface Platform {
  readonly config: Config;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly store: EventStore;
  readonly bus: Bus;
  readonly checkpoints: CheckpointStore;
  readonly directory: DirectoryView;
  /** Ends WebSockets whose credentials are revoked or rotated after they opened: `track` each one. */
  readonly sessions: SessionGuard;
  /** This process's read-model folder, `<dataDir>/projections/<readModels>`, locked for it while it runs. */
  readonly projectionsDir: string;
  /** Starts a read model (store feed by default) and registers it for `/v1/admin/projections` and metrics. */
  projection(projection: Projection, feed?: ProjectionFeed): Promise<ProjectionRunner>;
  readonly projections: ReadonlyMap<string, ProjectionRunner>;
  readonly aggregates: AggregateType[];
}
