export type { Projection } from './types.js';
export type { ProjectionFeed, ProjectionRunner } from './runner.js';
export type { Database } from 'better-sqlite3';

export { createProjectionRunner } from './runner.js';
export { statement } from './statements.js';
export { ReadModelsInUseError, lockReadModels } from './read-model-lock.js';
