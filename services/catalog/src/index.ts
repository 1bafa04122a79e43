export { catalogModule } from './module.js';
