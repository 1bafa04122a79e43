export { connectorsModule } from './module.js';
