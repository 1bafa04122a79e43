import { Counter, Gauge, Histogram } from 'prom-client';
import type { Metrics } from '@lienthong/service-kit';
import type { FederationState } from '../federation-state.js';

export interface FederationMetrics {
  readonly latency: Histogram<'peer'>;
  readonly failures: Counter<'peer' | 'reason'>;
  readonly refusals: Counter<'reason'>;
}

/** Per peer (SPEC §6): outbox depth and oldest pending age (read at scrape time), latency, failures by reason. */
export function federationMetrics(metrics: Metrics, state: FederationState, now: () => number = Date.now): FederationMetrics {
  const registers = [metrics.registry];
  new Gauge({
    name: 'lt_federation_outbox_depth',
    help: 'Transfers pending per peer',
    labelNames: ['peer'] as const,
    registers,
    collect() {
      this.reset();
      for (const p of state.activePeers()) this.set({ peer: p.peerId }, state.pending(p.peerId).length);
    },
  });
  new Gauge({
    name: 'lt_federation_outbox_oldest_pending_seconds',
    help: 'Age of the oldest pending transfer per peer (0 when none)',
    labelNames: ['peer'] as const,
    registers,
    collect() {
      this.reset();
      for (const p of state.activePeers()) {
        const oldest = Math.min(...state.pending(p.peerId).map((t) => t.queuedAt));
        this.set({ peer: p.peerId }, Number.isFinite(oldest) ? (now() - oldest) / 1000 : 0);
      }
    },
  });
  return {
    latency: new Histogram({
      name: 'lt_federation_transfer_latency_seconds',
      help: 'From queued to delivered, per peer',
      labelNames: ['peer'] as const,
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120, 600, 3600],
      registers,
    }),
    failures: new Counter({
      name: 'lt_federation_transfer_failures_total',
      help: 'Failed transfer attempts per peer and reason',
      labelNames: ['peer', 'reason'] as const,
      registers,
    }),
    refusals: new Counter({
      name: 'lt_federation_refusals_total',
      help: 'Requests from peers refused, by reason',
      labelNames: ['reason'] as const,
      registers,
    }),
  };
}
