export { createStatusTrackerModule, statusTrackerModule } from './module.js';
