/**
 * What a JetStream error means for a caller that retries. During a cluster's leader failover
 * (or with every node down) the API answers with no responders, a 503 or nothing: nats.js names
 * the first "jetstream is not enabled", which misleads an operator reading the log.
 */

/** Why JetStream did not answer, when the error is one a retry can outlast; undefined otherwise. */
export function jetStreamUnavailableReason(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const { name } = e;
    const status = (e as { status?: unknown }).status; // JetStreamApiError: the API's HTTP-like code
    if (name === 'JetStreamNotEnabled' || name === 'NoResponders' || (e as { isNoResponders?: () => boolean }).isNoResponders?.() === true)
      return 'no responders';
    if (name === 'TimeoutError') return 'timeout';
    if (name === 'JetStreamApiError' && status === 503) return e.message; // "JetStream system temporarily unavailable"
    // A cluster still forming does not know its peers yet (with more replicas asked than nodes it
    // never will: the caller's patience ends the wait, with this message).
    if (name === 'JetStreamApiError' && /no suitable peers for placement/i.test(e.message)) return e.message;
    if (name === 'JetStreamStatusError') {
      const code = (e as { code?: unknown }).code;
      if (code === 503) return 'no responders';
      if (code === 409 && /leader/i.test(e.message)) return e.message; // the consumer's leader moved: pull again
    }
  }
  return undefined;
}

/** `JetStream unavailable (timeout)` for a failover, else the error's own message. */
export function describeJetStreamError(error: unknown): string {
  const reason = jetStreamUnavailableReason(error);
  if (reason !== undefined) return `JetStream unavailable (${reason})`;
  return error instanceof Error ? error.message : String(error);
}

/** The durable is gone on the server (deleted, or expired while this process could not reach it). */
export function isConsumerGone(error: unknown): boolean {
  const message = error instanceof Error ? error.message : '';
  return error instanceof Error && (error.name === 'ConsumerNotFoundError' || /consumer (not found|deleted)/i.test(message));
}
