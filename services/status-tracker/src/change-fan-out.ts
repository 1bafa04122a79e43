import type { Database } from '@lienthong/projections';
import type { TrackedChange } from './projections/tracker-projection.js';

export type ChangeListener = (change: TrackedChange, db: Database) => void;

/**
 * Who hears of the read model's committed changes: the projection publishes (from the runner's
 * afterCommit, with the read model written to), the lookup and the board subscribe. It needs
 * nothing, so it exists before the runner starts and the lookup, which needs the runner's view,
 * is built after it.
 */
export interface ChangeFanOut {
  publish: ChangeListener;
  /** `listener` gets each change from now on, after the listeners subscribed before it. */
  subscribe(listener: ChangeListener): void;
}

export function createChangeFanOut(): ChangeFanOut {
  const listeners: ChangeListener[] = [];
  return {
    publish(change, db) {
      for (const listener of listeners) listener(change, db);
    },
    subscribe(listener) {
      listeners.push(listener);
    },
  };
}
