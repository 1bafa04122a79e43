export type { FederationHandle, FederationOptions } from './module.js';
export type { FederationInbound, FederationOutbound, InboundTransfer, OutboundMessage, QueuedTransfer, RemoteRecipient } from './ports.js';

export { createFederationModule, federationModule } from './module.js';
