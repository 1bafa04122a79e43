export type { BusFactory } from './contract.js';
export type { Handled, Recorder } from './events.js';

export { testBus } from './contract.js';
export { fakeEvent, record, uniqueName } from './events.js';
