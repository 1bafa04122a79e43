import type { DeliveryView } from '../projections/routing-projection.js';

/**
 * Who listens for which organisation's new deliveries: the read model publishes (after commit),
 * each `/v1/stream` socket subscribes. It needs nothing, so it exists before the read model's
 * runner starts and the stream, which needs the service, is built after it.
 */
export interface DeliveryFanOut {
  readonly publish: (delivery: DeliveryView) => void;
  /** Until the returned function is called, `listener` gets each delivery addressed to one of `organs`. */
  subscribe(organs: readonly string[], listener: (delivery: DeliveryView) => void): () => void;
}

export function createDeliveryFanOut(): DeliveryFanOut {
  const byOrgan = new Map<string, Set<(delivery: DeliveryView) => void>>();
  return {
    publish(delivery) {
      const set = byOrgan.get(delivery.to);
      if (set) for (const listener of set) listener(delivery);
    },
    subscribe(organs, listener) {
      for (const organ of organs) {
        let set = byOrgan.get(organ);
        if (!set) byOrgan.set(organ, (set = new Set()));
        set.add(listener);
      }
      return () => {
        for (const organ of organs) {
          const set = byOrgan.get(organ);
          set?.delete(listener);
          if (set?.size === 0) byOrgan.delete(organ);
        }
      };
    },
  };
}
