export { documentRoutingModule } from './module.js';
