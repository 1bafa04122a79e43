// Routes in every service use options that these plugins add to Fastify's types (`schema.tags`,
// `websocket: true`); kept in the emitted declarations so that projects built on them see them.
/// <reference types="@fastify/swagger" preserve="true" />
/// <reference types="@fastify/websocket" preserve="true" />
export type { AuthOptions, AuthRequirement, Principal, PrincipalKind, StaffRole, TokenResolver } from './auth.js';
export { PUBLIC, StaffRoles, actorOf, bearerToken, createAuthenticator, hashToken, newToken } from './auth.js';
export type { Config } from './config.js';
export { ConfigError, loadConfig } from './config.js';
export type { AppErrorOptions, ErrorCode, FieldError, ProblemExtensions, ProblemMember } from './errors.js';
export { AppError, ErrorCodes, PROBLEM_MEMBERS, forbidden, isAppError, notFound, unprocessable, validationError } from './errors.js';
export type { ReadinessCheck } from './health.js';
export type { HttpAppOptions } from './http-app.js';
export { createHttpApp } from './http-app.js';
export type { Closer } from './lifecycle.js';
export { serve, shutdown } from './lifecycle.js';
export type { Logger } from './logger.js';
export { createLogger } from './logger.js';
export type { Metrics } from './metrics.js';
export { createMetrics } from './metrics.js';
export type { ProblemDocument } from './problem.js';
export { PROBLEM_CONTENT_TYPE, fromZod, problemOf, problemType, sendProblem, toAppError } from './problem.js';
export { commandContext, instrumentStore, parseWith } from './request-context.js';
export { SCHEMAS_DIR, loadSchemas } from './schemas.js';
export type { FrameRefusal, SocketErrorReport, SocketErrorReporter } from './socket-errors.js';
export { createSocketErrorReporter, frameRefusalOf } from './socket-errors.js';
export { startProcess, startWorker } from './workers.js';
export { readOrCreateFile } from './files.js';
export type { IdempotencyRecord } from './idempotency.js';
export { canonicalJson, derivedId, idempotencyKey, idempotencyKeyHeaderSchema, isReplay, keyedRequestHash, requestHash, sha256Hex } from './idempotency.js';
