export { statusTrackerModule } from './module.js';
