export type { StatusTrackerOptions } from './module.js';
export { createStatusTrackerModule, statusTrackerModule } from './module.js';
export type { TrackAnswer } from './lookup.js';
export type { BoardChange, BoardItem, BoardSnapshot } from './board-messages.js';
export type { TrackedChange } from './projections/tracker-projection.js';
export { TRACKER_PROJECTION, createTrackerProjection } from './projections/tracker-projection.js';
export { OVERDUE_LABEL, statusLabel } from './labels.js';
