export { federationModule } from './module.js';
