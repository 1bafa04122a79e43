// Routes in every service use options that these plugins add to Fastify's types (`schema.tags`,
// `websocket: true`); kept in the emitted declarations so that projects built on them see them.
/// <reference types="@fastify/swagger" preserve="true" />
/// <reference types="@fastify/websocket" preserve="true" />
export type { Principal } from './auth.js';
export type { Config } from './config.js';
export type { AppErrorOptions, ErrorCode } from './errors.js';
export type { ReadinessCheck } from './health.js';
export type { Closer } from './lifecycle.js';
export type { Logger } from './logger.js';
export type { Metrics } from './metrics.js';
export type { SocketErrorReport } from './socket-errors.js';
export type { SignedTokens, TicketCheck, TicketStore } from './tickets.js';

export { actorOf, hashToken, newToken } from './auth.js';
export { loadConfig } from './config.js';
export { AppError, ErrorCodes, forbidden, isAppError, notFound, unprocessable, validationError } from './errors.js';
export { createHttpApp } from './http-app.js';
export { serve, shutdown } from './lifecycle.js';
export { createLogger } from './logger.js';
export { createMetrics } from './metrics.js';
export { VN_TIME_SCRIPT, servePages } from './pages.js';
export { PROBLEM_CONTENT_TYPE, problemOf, toAppError } from './problem.js';
export { commandContext, instrumentStore, parseWith, zodValidatorCompiler } from './request-context.js';
export { SCHEMAS_DIR } from './schemas.js';
export { createSocketErrorReporter } from './socket-errors.js';
export { createSignedTokens, createTicketStore } from './tickets.js';
export { startProcess, startWorker } from './workers.js';
export { readOrCreateFile } from './files.js';
export { idempotencyKey, idempotencyKeyHeaderSchema, keyedRequestHash } from './idempotency.js';
