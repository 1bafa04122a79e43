export { dossiersModule } from './module.js';
