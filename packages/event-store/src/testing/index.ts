export type { EventStoreFactory, EventStoreFixture } from './contract.js';
export { testEventStore } from './contract.js';
export { collector, events, metadata, newEvent, uniquePrefix, within } from './helpers.js';
