/**
 * Why a decider refuses a command, in domain words. Deciders throw `DomainError`s only; the HTTP
 * edge (service-kit's problem mapping) turns each kind into its status and problem code, once.
 */
export const DomainErrorKind = {
  /** The aggregate does not exist, or the caller may not know it does. */
  notFound: 'not-found',
  /** The caller may not do this (another role, another organisation). */
  forbidden: 'forbidden',
  /** The command's input breaks a rule of its own (no state needed to tell). */
  invalid: 'invalid',
  /** The aggregate exists already. */
  duplicate: 'duplicate',
  /** The aggregate's state forbids the command (e.g. revoked, already flagged). */
  conflict: 'conflict',
  /** The workflow does not allow this action in the current status. */
  notAllowed: 'not-allowed',
  /** Another writer changed what the decision read; retrying may succeed. */
  concurrentUpdate: 'concurrent-update',
  /** An idempotency key already bound to another request. */
  idempotencyMismatch: 'idempotency-mismatch',
  /** Well-formed, but it names things the domain cannot act on (unknown recipient, bad date). */
  unprocessable: 'unprocessable',
} as const;
export type DomainErrorKind = (typeof DomainErrorKind)[keyof typeof DomainErrorKind];

/** One input field of the command that is wrong, named as the command names it. */
export interface FieldFault {
  readonly field: string;
  readonly message: string;
}

/** Domain facts about a refusal (e.g. `dossierStatus`, `allowedActions`), for the caller to act on. */
export type DomainFacts = Readonly<Record<string, unknown>>;

export interface DomainErrorOptions {
  readonly facts?: DomainFacts;
  /** For `invalid`: which fields of the command's input are wrong. */
  readonly fields?: readonly FieldFault[];
  readonly cause?: unknown;
}

export class DomainError extends Error {
  readonly facts?: DomainFacts;
  readonly fields?: readonly FieldFault[];
  constructor(
    readonly kind: DomainErrorKind,
    message: string,
    options: DomainErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DomainError';
    if (options.facts) this.facts = options.facts;
    if (options.fields) this.fields = options.fields;
  }
}

/** A domain refusal, of `kind` when given. */
export function isDomainError(error: unknown, kind?: DomainErrorKind): error is DomainError {
  return error instanceof DomainError && (kind === undefined || error.kind === kind);
}
