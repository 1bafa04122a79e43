export type { Projection, ProjectionStatus } from './types.js';
export type { ProjectionFeed, ProjectionRunner, ProjectionRunnerOptions } from './runner.js';
export { createProjectionRunner } from './runner.js';
export { statement } from './statements.js';
export type { Database } from 'better-sqlite3';
export { ReadModelsInUseError, lockReadModels } from './read-model-lock.js';
