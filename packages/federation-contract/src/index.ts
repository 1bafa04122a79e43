export type { FederationInbound, FederationOutbound, InboundTransfer, OutboundMessage, QueuedTransfer, RemoteRecipient } from './ports.js';
