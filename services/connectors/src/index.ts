export { connectorsModule, createConnectorsModule } from './module.js';
