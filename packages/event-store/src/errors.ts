import type { ExpectedRevision } from './types.js';

/** The stream was not at the expected revision; `actual` is -1 when the stream does not exist. */
export class WrongExpectedRevisionError extends Error {
  readonly code = 'LT_WRONG_EXPECTED_REVISION';
  constructor(
    readonly stream: string,
    readonly expected: ExpectedRevision,
    readonly actual: number,
  ) {
    super(`stream ${stream}: expected revision ${String(expected)}, actual ${actual}`);
    this.name = 'WrongExpectedRevisionError';
  }
}

/** The store could not be reached or refused to work (disk, network, closed). */
export class StoreUnavailableError extends Error {
  readonly code = 'LT_STORE_UNAVAILABLE';
  /** The marker the HTTP edge maps to 503 (no import of this class needed). */
  readonly unavailable = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

export function isWrongExpectedRevision(error: unknown): error is WrongExpectedRevisionError {
  return error instanceof WrongExpectedRevisionError;
}

/** An event id was appended twice: ids are unique across the whole store. */
export class DuplicateEventIdError extends Error {
  readonly code = 'LT_DUPLICATE_EVENT_ID';
  constructor(
    readonly stream: string,
    readonly eventId: string,
  ) {
    super(`stream ${stream}: event id ${eventId} already exists in the store`);
    this.name = 'DuplicateEventIdError';
  }
}
