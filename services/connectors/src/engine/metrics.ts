import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface ConnectorMetrics {
  readonly attempts: Counter<'connector'>;
  readonly delivered: Counter<'connector'>;
  readonly deadLettered: Counter<'connector'>;
  readonly failures: Counter<'connector' | 'reason'>;
  /** From the event's decision to the receiver's 2xx. */
  readonly deliveryLag: Histogram<'connector'>;
  readonly depth: Gauge<'connector'>;
  readonly lagEvents: Gauge<'connector'>;
  readonly oldestPendingSeconds: Gauge<'connector'>;
  readonly deadLetters: Gauge<'connector'>;
  /** 1 while the connector is paused, else 0. */
  readonly paused: Gauge<'connector'>;
  /** 1 while this process holds the delivery lease (its outboxes deliver), else 0. */
  readonly leaseHeld: Gauge;
}

/** Get-or-create: one registry may see the module mounted more than once (tests, the hub). */
function once<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

/**
 * `collect` runs at scrape time and sets the gauges from the engine's state, and brings the
 * attempts and delivered counters up to the engine's own counts (a delivery adds to a plain
 * number, not to prom-client, on the hot path). Every such metric waits for it (a scrape reads the
 * metrics concurrently); one run serves one scrape.
 */
export function connectorMetrics(registry: Registry, collectState: () => Promise<void>): ConnectorMetrics {
  let running: Promise<void> | null = null;
  const collect = (): Promise<void> =>
    (running ??= collectState().finally(() => {
      running = null;
    }));
  const registers = [registry];
  const labelNames = ['connector'] as const;
  return {
    attempts: once(
      registry,
      'lt_connector_attempts_total',
      () => new Counter({ name: 'lt_connector_attempts_total', help: 'Delivery attempts, per connector', labelNames, registers, collect }),
    ),
    delivered: once(
      registry,
      'lt_connector_delivered_total',
      () =>
        new Counter({
          name: 'lt_connector_delivered_total',
          help: 'Events delivered (2xx / accepted), per connector',
          labelNames,
          registers,
          collect,
        }),
    ),
    deadLettered: once(
      registry,
      'lt_connector_dead_lettered_total',
      () =>
        new Counter({
          name: 'lt_connector_dead_lettered_total',
          help: 'Events given up on (refused for good or out of retry budget), per connector',
          labelNames,
          registers,
        }),
    ),
    failures: once(
      registry,
      'lt_connector_failures_total',
      () =>
        new Counter({
          name: 'lt_connector_failures_total',
          help: 'Failed attempts by reason (http-500, timeout, reset, refused, rejected, unsafe-address…), per connector',
          labelNames: ['connector', 'reason'] as const,
          registers,
        }),
    ),
    deliveryLag: once(
      registry,
      'lt_connector_delivery_lag_seconds',
      () =>
        new Histogram({
          name: 'lt_connector_delivery_lag_seconds',
          help: 'From the event being recorded to its delivery, per connector',
          labelNames,
          buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 60, 300, 3600],
          registers,
        }),
    ),
    depth: once(
      registry,
      'lt_connector_outbox_depth',
      () =>
        new Gauge({ name: 'lt_connector_outbox_depth', help: 'Events queued for delivery, per connector', labelNames, registers, collect }),
    ),
    lagEvents: once(
      registry,
      'lt_connector_lag_events',
      () =>
        new Gauge({
          name: 'lt_connector_lag_events',
          help: 'Global positions between the store head and the connector checkpoint',
          labelNames,
          registers,
          collect,
        }),
    ),
    oldestPendingSeconds: once(
      registry,
      'lt_connector_oldest_pending_seconds',
      () =>
        new Gauge({
          name: 'lt_connector_oldest_pending_seconds',
          help: 'Age of the oldest event not yet delivered, per connector',
          labelNames,
          registers,
          collect,
        }),
    ),
    deadLetters: once(
      registry,
      'lt_connector_dead_letters',
      () =>
        new Gauge({
          name: 'lt_connector_dead_letters',
          help: 'Dead letters waiting for an admin, per connector',
          labelNames,
          registers,
          collect,
        }),
    ),
    paused: once(
      registry,
      'lt_connector_paused',
      () =>
        new Gauge({
          name: 'lt_connector_paused',
          help: '1 while the connector is paused by an admin (its events wait in the log), else 0',
          labelNames,
          registers,
          collect,
        }),
    ),
    leaseHeld: once(
      registry,
      'lt_connectors_lease_held',
      () =>
        new Gauge({
          name: 'lt_connectors_lease_held',
          help: '1 while this process holds the connectors delivery lease (one process of those on a store delivers), else 0',
          registers,
          collect,
        }),
    ),
  };
}
