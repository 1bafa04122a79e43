/** The one predicate every adapter uses to check an expected revision against a stream's head. */
import { ExpectedRevision } from './types.js';

/** Throws a TypeError for anything that is not one of the constants or a revision >= 0. */
export function checkExpectedRevision(expected: unknown): asserts expected is ExpectedRevision {
  if (expected === ExpectedRevision.any || expected === ExpectedRevision.noStream || expected === ExpectedRevision.streamExists) return;
  if (typeof expected === 'number' && Number.isSafeInteger(expected) && expected >= 0) return;
  throw new TypeError(`invalid expected revision: ${String(expected)}`);
}

/** `actual` is the stream's head revision, -1 when it does not exist. */
export function matchesExpected(expected: ExpectedRevision, actual: number): boolean {
  switch (expected) {
    case ExpectedRevision.any:
      return true;
    case ExpectedRevision.noStream:
      return actual === -1;
    case ExpectedRevision.streamExists:
      return actual >= 0;
    default:
      return actual === expected;
  }
}
