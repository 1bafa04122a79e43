/**
 * Whether a store's blocking writes (`blockingWrites`) may go on: only while the disk syncs fast.
 * On a slow one (network storage, a spinning disk: several ms per fsync) each blocking put would
 * hold its worker thread for two fsyncs, one document after another, where puts through the
 * thread pool overlap. So the fsyncs' time is followed (a moving average of the blocking puts'),
 * and above `slowMs` puts go through the thread pool; one in `probeEvery` still blocks, to see
 * whether the disk got fast again.
 */
export interface SyncGauge {
  /** Whether the next put may block. */
  shouldBlock(): boolean;
  /** A blocking put's fsyncs took this long (ms). */
  note(ms: number): void;
  /** The moving average (ms). */
  readonly averageMs: number;
}

export function syncGauge(options: { slowMs?: number; probeEvery?: number } = {}): SyncGauge {
  const slowMs = options.slowMs ?? 5;
  const probeEvery = options.probeEvery ?? 256;
  let averageMs = 0;
  let sinceProbe = 0;
  return {
    shouldBlock() {
      if (averageMs < slowMs) return true;
      sinceProbe += 1;
      if (sinceProbe < probeEvery) return false;
      sinceProbe = 0;
      return true;
    },
    note(ms) {
      averageMs = averageMs * 0.8 + ms * 0.2;
    },
    get averageMs() {
      return averageMs;
    },
  };
}
