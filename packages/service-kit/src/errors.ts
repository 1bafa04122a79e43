/**
 * Every error the HTTP surface can answer with: a stable code, a status and a title, in one place.
 * Routes and command handlers throw `AppError`s; one error handler turns them into problem+json.
 */
export const ErrorCodes = {
  LT_VALIDATION: { status: 400, title: 'Invalid request' },
  LT_MALFORMED_BODY: { status: 400, title: 'Malformed request body' },
  LT_MALFORMED_REQUEST: { status: 400, title: 'Malformed HTTP request' },
  LT_UNAUTHENTICATED: { status: 401, title: 'Authentication required' },
  LT_FORBIDDEN: { status: 403, title: 'Forbidden' },
  LT_NOT_FOUND: { status: 404, title: 'Not found' },
  LT_REQUEST_TIMEOUT: { status: 408, title: 'Request timeout' },
  LT_CONFLICT: { status: 409, title: 'Conflict' },
  LT_DUPLICATE: { status: 409, title: 'Already exists' },
  LT_ACTION_NOT_ALLOWED: { status: 409, title: 'Action not allowed in the current status' },
  LT_CONCURRENT_UPDATE: { status: 409, title: 'Concurrent update' },
  LT_IDEMPOTENCY_MISMATCH: { status: 409, title: 'Idempotency key reused with another request' },
  LT_BODY_TOO_LARGE: { status: 413, title: 'Request body too large' },
  LT_URI_TOO_LONG: { status: 414, title: 'URI too long' },
  LT_UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type' },
  LT_UNPROCESSABLE: { status: 422, title: 'Unprocessable request' },
  LT_UPGRADE_REQUIRED: { status: 426, title: 'Upgrade required' },
  LT_RATE_LIMITED: { status: 429, title: 'Too many requests' },
  LT_HEADERS_TOO_LARGE: { status: 431, title: 'Request header fields too large' },
  LT_INTERNAL: { status: 500, title: 'Internal error' },
  LT_UNAVAILABLE: { status: 503, title: 'Service unavailable' },
} as const;
export type ErrorCode = keyof typeof ErrorCodes;

/** One failing field or element: a JSON pointer-ish path and what is wrong there. */
export interface FieldError {
  readonly path: string;
  readonly message: string;
}

/** The members every problem document has (RFC 9457's and ours): no extension may take their names. */
export const PROBLEM_MEMBERS = ['type', 'title', 'status', 'detail', 'instance', 'code', 'correlationId', 'errors'] as const;
export type ProblemMember = (typeof PROBLEM_MEMBERS)[number];

/**
 * Extra members of a problem document (e.g. `dossierStatus`, `allowedActions`, `unknown`). A
 * standard member's name is a type error here, and the renderer lets the standard one win anyway.
 */
export type ProblemExtensions = Readonly<Record<string, unknown>> & { readonly [K in ProblemMember]?: never };

export interface AppErrorOptions {
  readonly errors?: readonly FieldError[];
  readonly extensions?: ProblemExtensions;
  readonly cause?: unknown;
}

export class AppError extends Error {
  readonly status: number;
  readonly title: string;
  readonly errors?: readonly FieldError[];
  readonly extensions?: ProblemExtensions;
  constructor(
    readonly code: ErrorCode,
    detail: string,
    options: AppErrorOptions = {},
  ) {
    super(detail, { cause: options.cause });
    this.name = 'AppError';
    this.status = ErrorCodes[code].status;
    this.title = ErrorCodes[code].title;
    if (options.errors) this.errors = options.errors;
    if (options.extensions) this.extensions = options.extensions;
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

/** Shorthands for the common ones. */
export const validationError = (detail: string, errors: readonly FieldError[]) => new AppError('LT_VALIDATION', detail, { errors });
export const notFound = (detail: string) => new AppError('LT_NOT_FOUND', detail);
export const forbidden = (detail: string) => new AppError('LT_FORBIDDEN', detail);
export const unprocessable = (detail: string, extensions?: ProblemExtensions) =>
  new AppError('LT_UNPROCESSABLE', detail, extensions ? { extensions } : {});
