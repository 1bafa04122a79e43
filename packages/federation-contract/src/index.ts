export type {
  AcceptedTransfer,
  FederationInbound,
  FederationLink,
  FederationOutbound,
  InboundTransfer,
  OutboundMessage,
  QueuedTransfer,
  RemoteRecipient,
  TransferProgress,
} from './ports.js';
