import type { ServiceName } from './types.js';

/** Service names are one subject token: no dots, wildcards or whitespace. */
export function assertServiceName(service: ServiceName): void {
  if (!/^[A-Za-z0-9_-]+$/.test(service)) {
    throw new TypeError(`invalid service name ${JSON.stringify(service)}: use letters, digits, _ and -`);
  }
}

/** Durable consumer names as JetStream takes them (no dots, wildcards or spaces), checked by every adapter alike. */
export function assertDurableName(durable: string): void {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(durable)) {
    throw new TypeError(`invalid durable name ${JSON.stringify(durable)}: use letters, digits, _ and - (JetStream refuses dots)`);
  }
}

/** Event types end the subject: dotted names are allowed, wildcards, spaces and empty tokens are not. */
export function assertEventType(type: string): void {
  if (!/^[^\s*>.]+(\.[^\s*>.]+)*$/.test(type)) {
    throw new TypeError(`invalid event type ${JSON.stringify(type)} for a bus subject`);
  }
}

/** Resolves after `ms`, or early when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Exponential backoff with a ceiling: 100, 200, 400 … maxMs. */
export function backoffMs(failures: number, maxMs = 5_000, baseMs = 100): number {
  return Math.min(maxMs, baseMs * 2 ** Math.min(failures, 16));
}
