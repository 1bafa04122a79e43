export type { DirectoryView } from './projections/directory-projection.js';

export { directoryProjection, directoryView } from './projections/directory-projection.js';
export { createDirectoryService } from './directory-service.js';
export { DIRECTORY_STREAM_PREFIXES } from './domain/events.js';
export { agencyDecider, staffDecider, systemDecider } from './domain/deciders.js';
export { directoryRoutes } from './http/routes.js';
