export type {
  AcceptedTransfer,
  FederationInbound,
  FederationLink,
  FederationOutbound,
  InboundTransfer,
  OutboundMessage,
  QueuedTransfer,
  RemoteRecipient,
} from './ports.js';
