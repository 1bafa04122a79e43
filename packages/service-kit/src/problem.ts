import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, type DomainErrorKind } from '@lienthong/decider';
import type { ZodError } from 'zod';
import { AppError, ErrorCodes, PROBLEM_MEMBERS, type ErrorCode, type FieldError } from './errors.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  instance?: string;
  correlationId?: string;
  errors?: readonly FieldError[];
  [extension: string]: unknown;
}

export function problemType(code: ErrorCode): string {
  return `urn:lienthong:problem:${code.toLowerCase().replace(/^lt_/, '').replaceAll('_', '-')}`;
}

/** The one place where a domain refusal gets its HTTP status and problem code. */
const CODE_OF_KIND: { readonly [K in DomainErrorKind]: ErrorCode } = {
  'not-found': 'LT_NOT_FOUND',
  forbidden: 'LT_FORBIDDEN',
  invalid: 'LT_VALIDATION',
  duplicate: 'LT_DUPLICATE',
  conflict: 'LT_CONFLICT',
  'not-allowed': 'LT_ACTION_NOT_ALLOWED',
  'concurrent-update': 'LT_CONCURRENT_UPDATE',
  'idempotency-mismatch': 'LT_IDEMPOTENCY_MISMATCH',
  unprocessable: 'LT_UNPROCESSABLE',
};

/** A domain refusal as a problem: its facts become extension members, its fields name the body's. */
function fromDomain(error: DomainError): AppError {
  return new AppError(CODE_OF_KIND[error.kind], error.message, {
    // A fact named like a standard member is dropped when rendered (`problemOf`).
    ...(error.facts ? { extensions: error.facts } : {}),
    // A command's input is the request body.
    ...(error.fields ? { errors: error.fields.map((f) => ({ path: `body/${f.field}`, message: f.message })) } : {}),
    cause: error,
  });
}

/**
 * Adapters' errors are recognised by what they carry, never by their class, so the kit imports
 * no adapter: `unavailable: true` (the store, the bus, the blob store… could not do it; 503), and
 * the event store's `LT_WRONG_EXPECTED_REVISION` code with the `stream` that moved.
 */
function isUnavailable(error: unknown): error is Error & { readonly unavailable: true } {
  return error instanceof Error && (error as { unavailable?: unknown }).unavailable === true;
}
function isRevisionConflict(error: unknown): error is Error & { readonly stream: string } {
  const e = error as { code?: unknown; stream?: unknown };
  return error instanceof Error && e.code === 'LT_WRONG_EXPECTED_REVISION' && typeof e.stream === 'string';
}

/** Turns any thrown value into an AppError, so every answer has one shape. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof DomainError) return fromDomain(error);
  if (isRevisionConflict(error))
    return new AppError('LT_CONCURRENT_UPDATE', `${error.stream} was changed concurrently; retry`, { cause: error });
  if (isUnavailable(error)) return new AppError('LT_UNAVAILABLE', error.message, { cause: error });
  const fe = error as FastifyError & { validation?: unknown[]; validationContext?: string };
  if (Array.isArray(fe.validation)) {
    const errors = fe.validation.map((v) => fromAjv(v as AjvLikeError, fe.validationContext ?? 'body'));
    return new AppError(
      'LT_VALIDATION',
      `invalid ${fe.validationContext ?? 'request'}: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`,
      { errors },
    );
  }
  switch (fe.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('LT_BODY_TOO_LARGE', fe.message, { cause: error });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('LT_UNSUPPORTED_MEDIA_TYPE', fe.message, { cause: error });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new AppError('LT_MALFORMED_BODY', fe.message, { cause: error });
    case 'FST_ERR_NOT_FOUND':
      return new AppError('LT_NOT_FOUND', fe.message);
  }
  if (error instanceof SyntaxError && fe.statusCode === 400)
    return new AppError('LT_MALFORMED_BODY', `body is not valid JSON: ${error.message}`, { cause: error });
  if (typeof fe.statusCode === 'number' && fe.statusCode === 429) return new AppError('LT_RATE_LIMITED', fe.message, { cause: error });
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    const code = (Object.keys(ErrorCodes) as ErrorCode[]).find((c) => ErrorCodes[c].status === fe.statusCode) ?? 'LT_VALIDATION';
    return new AppError(code, fe.message, { cause: error });
  }
  return new AppError('LT_INTERNAL', 'internal error', { cause: error });
}

interface AjvLikeError {
  instancePath?: string;
  message?: string;
  keyword?: string;
  params?: { missingProperty?: string; additionalProperty?: string; allowedValues?: unknown[] };
}

function fromAjv(v: AjvLikeError, context: string): FieldError {
  let path = `${context}${v.instancePath ?? ''}`;
  if (v.params?.missingProperty) path += `/${v.params.missingProperty}`;
  if (v.params?.additionalProperty) path += `/${v.params.additionalProperty}`;
  let message = v.message ?? 'is invalid';
  if (v.keyword === 'enum' && v.params?.allowedValues) message += `: ${v.params.allowedValues.join(', ')}`;
  return { path, message };
}

/** Field errors of a zod parse, paths prefixed with where the value came from. */
export function fromZod(error: ZodError, context = 'body'): FieldError[] {
  const pathOf = (path: readonly PropertyKey[]) => [context, ...path.map(String)].join('/');
  // An unknown member is named by its own path, as ajv's additionalProperties does.
  return error.issues.flatMap((i) =>
    i.code === 'unrecognized_keys'
      ? i.keys.map((key) => ({ path: pathOf([...i.path, key]), message: 'is not a known member' }))
      : [{ path: pathOf(i.path), message: i.message }],
  );
}

/** A standard member (`status` above all: RFC 9457's HTTP status) is never taken from the extensions. */
export function problemOf(error: AppError, request?: FastifyRequest): ProblemDocument {
  const extensions = Object.entries(error.extensions ?? {}).filter(([name]) => !(PROBLEM_MEMBERS as readonly string[]).includes(name));
  return {
    ...Object.fromEntries(extensions),
    type: problemType(error.code),
    title: error.title,
    status: error.status,
    detail: error.message,
    code: error.code,
    ...(request ? { instance: request.url, correlationId: String(request.id) } : {}),
    ...(error.errors ? { errors: error.errors } : {}),
  };
}

export function sendProblem(reply: FastifyReply, error: AppError): FastifyReply {
  return reply.code(error.status).type(PROBLEM_CONTENT_TYPE).send(problemOf(error, reply.request));
}

/** The one error handler: coded problem+json for everything, 5xx logged with their cause. */
export function registerProblemHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: unknown, request, reply) => {
    const appError = toAppError(error);
    if (appError.status >= 500) request.log.error({ err: appError.cause ?? appError, code: appError.code }, appError.message);
    else request.log.info({ code: appError.code, detail: appError.message }, 'request refused');
    if (appError.status === 503) reply.header('retry-after', '5');
    return sendProblem(reply, appError);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, new AppError('LT_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`)),
  );
}
