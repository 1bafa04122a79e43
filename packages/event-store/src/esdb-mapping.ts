/** Small `toX`/`fromX` mappings between our events and @eventstore/db-client's. */
import { ANY, NO_STREAM, STREAM_EXISTS, ErrorType, WrongExpectedVersionError } from '@eventstore/db-client';
import type { AppendExpectedRevision, CurrentRevision, RecordedEvent as EsdbRecordedEvent } from '@eventstore/db-client';
import { StoreUnavailableError, WrongExpectedRevisionError } from './errors.js';
import type { EventMetadata, ExpectedRevision, ReadAllOptions, RecordedEvent } from './types.js';

/** Key of the event metadata where our id and hash chain live (the rest is the caller's metadata). */
export const CHAIN_KEY = 'ltChain';

export interface ChainFields {
  readonly id: string;
  readonly prevHash: string;
  readonly hash: string;
}

export function toEsdbExpected(expected: ExpectedRevision): AppendExpectedRevision {
  if (expected === 'any') return ANY;
  if (expected === 'no_stream') return NO_STREAM;
  if (expected === 'stream_exists') return STREAM_EXISTS;
  return BigInt(expected);
}

/** The exact head we read, as the client's expected revision (keeps the chain linear). */
export function headAsExpected(revision: number): AppendExpectedRevision {
  return revision < 0 ? NO_STREAM : BigInt(revision);
}

export function fromEsdbRevision(revision: CurrentRevision): number {
  return revision === NO_STREAM ? -1 : Number(revision);
}

export function fromWrongExpected(error: unknown, stream: string, expected: ExpectedRevision): WrongExpectedRevisionError | undefined {
  if (!(error instanceof WrongExpectedVersionError)) return undefined;
  return new WrongExpectedRevisionError(stream, expected, fromEsdbRevision(error.actualVersion));
}

const UNAVAILABLE_TYPES: ReadonlySet<string> = new Set([
  ErrorType.UNAVAILABLE,
  ErrorType.DEADLINE_EXCEEDED,
  ErrorType.TIMEOUT,
  ErrorType.CANCELLED,
  ErrorType.NOT_LEADER,
]);

export function toStoreError(error: unknown, what: string): unknown {
  if (error instanceof StoreUnavailableError || error instanceof WrongExpectedRevisionError) return error;
  const type = (error as { type?: unknown } | null)?.type;
  if (typeof type === 'string' && UNAVAILABLE_TYPES.has(type)) {
    return new StoreUnavailableError(`event store (esdb): ${what} failed: ${(error as Error).message}`, { cause: error });
  }
  return error;
}

/** System events (`$`-prefixed types or streams) are not ours to show. */
export function isSystemEvent(event: { type: string; streamId: string }): boolean {
  return event.type.startsWith('$') || event.streamId.startsWith('$');
}

/** The server's timestamp of each event read, for stream info (our events do not carry one). */
const createdAt = new WeakMap<RecordedEvent, string>();

export function createdOf(event: RecordedEvent): string {
  return createdAt.get(event) ?? new Date(0).toISOString();
}

export function fromEsdbEvent(event: EsdbRecordedEvent): RecordedEvent {
  const stored = (event.metadata ?? {}) as Record<string, unknown>;
  const { [CHAIN_KEY]: chainValue, ...metadata } = stored;
  const chain = chainValue as ChainFields | undefined;
  const recorded: RecordedEvent = {
    // An event written by another tool has no chain: its hashes stay empty and fail verification.
    id: chain?.id ?? event.id,
    stream: event.streamId,
    revision: Number(event.revision),
    position: Number(event.position?.commit ?? -1n),
    type: event.type,
    data: event.isJson ? event.data : Buffer.from(event.data).toString('base64'),
    metadata: metadata as EventMetadata,
    prevHash: chain?.prevHash ?? '',
    hash: chain?.hash ?? '',
  };
  createdAt.set(recorded, event.created.toISOString());
  return recorded;
}

export function matchesFilters(event: RecordedEvent, options: ReadAllOptions): boolean {
  const prefixes = options.streamPrefixes ?? [];
  const types = options.eventTypes ?? [];
  if (prefixes.length > 0 && !prefixes.some((p) => event.stream.startsWith(p))) return false;
  if (types.length > 0 && !types.includes(event.type)) return false;
  return true;
}

export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
