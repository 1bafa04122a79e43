export { createDocumentRoutingModule, documentRoutingModule } from './module.js';
