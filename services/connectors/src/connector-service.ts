import type { CommandContext } from '@lienthong/decider';
import type { EventStore } from '@lienthong/event-store';
import { AppError, notFound, validationError } from '@lienthong/service-kit';
import { Webhook } from 'standardwebhooks';
import type { RegisteredConnector } from './domain/connector-decider.js';
import type { ConnectorKind, DeadLetter } from './domain/events.js';
import type { ConnectorEngine, OutboxView } from './engine/engine.js';
import { newWebhookSecret, sealSecret } from './secrets.js';
import { assertSafeUrl, UnsafeUrlError, type UrlPolicy } from './url-guard.js';

export interface RegisterBody {
  readonly connectorId: string;
  readonly kind: ConnectorKind;
  readonly url: string;
  readonly secret?: string | undefined;
  readonly eventTypes?: readonly string[] | undefined;
  readonly agencyIds?: readonly string[] | undefined;
}

/** A connector as the admin sees it: never its secret. */
export interface ConnectorView {
  readonly connectorId: string;
  readonly kind: ConnectorKind;
  readonly url: string;
  readonly eventTypes: readonly string[] | null;
  readonly agencyIds: readonly string[] | null;
  readonly state: 'active' | 'paused';
  readonly deadLetters: readonly DeadLetter[];
  readonly retrying: readonly number[];
}

const viewOf = (c: RegisteredConnector): ConnectorView => ({
  connectorId: c.connectorId,
  kind: c.kind,
  url: c.url,
  eventTypes: c.eventTypes,
  agencyIds: c.agencyIds,
  state: c.paused ? 'paused' : 'active',
  deadLetters: c.deadLetters,
  retrying: c.retrying,
});

/** The admin's operations on connectors (SPEC §8). */
export interface ConnectorService {
  register(body: RegisterBody, context: CommandContext): Promise<ConnectorView & { readonly secret: string; readonly startAfter: number }>;
  list(): ConnectorView[];
  get(connectorId: string): Promise<ConnectorView & { readonly outbox: OutboxView }>;
  pause(connectorId: string, context: CommandContext): Promise<ConnectorView & { readonly outbox: OutboxView }>;
  resume(connectorId: string, context: CommandContext): Promise<ConnectorView & { readonly outbox: OutboxView }>;
  remove(connectorId: string, context: CommandContext): Promise<{ readonly connectorId: string; readonly deleted: true }>;
  replay(
    connectorId: string,
    fromPosition: number,
    context: CommandContext,
  ): Promise<{ readonly connectorId: string; readonly fromPosition: number }>;
  retryDeadLetters(
    connectorId: string,
    positions: readonly number[] | null,
    context: CommandContext,
  ): Promise<{ readonly connectorId: string; readonly retried: number }>;
}

export function createConnectorService(deps: {
  store: EventStore;
  engine: ConnectorEngine;
  key: Buffer;
  urlPolicy: UrlPolicy;
}): ConnectorService {
  const { store, engine, key, urlPolicy } = deps;

  function existing(connectorId: string): RegisteredConnector {
    const state = engine.state(connectorId);
    if (!state.registered || state.deleted) throw notFound(`no connector ${connectorId}`);
    return state;
  }

  function checkSecret(kind: ConnectorKind, secret: string | undefined): string {
    if (kind === 'dvcqg') {
      if (secret === undefined)
        throw validationError('a dvcqg connector needs the access token the portal issued as secret', [
          { path: '/secret', message: 'required for kind dvcqg' },
        ]);
      return secret;
    }
    if (secret === undefined) return newWebhookSecret();
    try {
      new Webhook(secret);
    } catch {
      throw validationError('secret is not a Standard Webhooks secret', [
        { path: '/secret', message: 'must be whsec_ followed by base64' },
      ]);
    }
    if (!secret.startsWith('whsec_') || Buffer.from(secret.slice(6), 'base64').length < 24)
      throw validationError('secret is not a Standard Webhooks secret', [
        { path: '/secret', message: 'must be whsec_ followed by base64 of at least 24 bytes' },
      ]);
    return secret;
  }

  return {
    /** 201 with the secret, shown this once (stored sealed). */
    async register(body: RegisterBody, context: CommandContext) {
      try {
        await assertSafeUrl(body.url, urlPolicy);
      } catch (error) {
        if (error instanceof UnsafeUrlError)
          throw validationError(`url refused: ${error.message}`, [{ path: '/url', message: error.message }]);
        throw error;
      }
      const secret = checkSecret(body.kind, body.secret);
      const startAfter = await store.headPosition();
      const eventTypes = body.eventTypes && body.eventTypes.length > 0 ? [...new Set(body.eventTypes)].sort() : null;
      const agencyIds = body.agencyIds && body.agencyIds.length > 0 ? [...new Set(body.agencyIds)].sort() : null;
      const result = await engine.command(
        body.connectorId,
        {
          type: 'RegisterConnector',
          data: {
            connectorId: body.connectorId,
            kind: body.kind,
            url: body.url,
            secretSealed: sealSecret(key, body.connectorId, secret),
            eventTypes,
            agencyIds,
            startAfter,
          },
        },
        context,
      );
      if (!result.state.registered) throw new AppError('LT_INTERNAL', 'registration not recorded');
      return { ...viewOf(result.state), secret, startAfter };
    },
    list: () => engine.list().map(viewOf),
    async get(connectorId: string): Promise<ConnectorView & { outbox: OutboxView }> {
      const c = existing(connectorId);
      return { ...viewOf(c), outbox: await engine.view(connectorId) };
    },
    async pause(connectorId: string, context: CommandContext) {
      existing(connectorId);
      await engine.command(connectorId, { type: 'PauseConnector', data: {} }, context);
      return { ...viewOf(existing(connectorId)), outbox: await engine.view(connectorId) };
    },
    async resume(connectorId: string, context: CommandContext) {
      existing(connectorId);
      await engine.command(connectorId, { type: 'ResumeConnector', data: {} }, context);
      return { ...viewOf(existing(connectorId)), outbox: await engine.view(connectorId) };
    },
    async remove(connectorId: string, context: CommandContext) {
      existing(connectorId);
      await engine.command(connectorId, { type: 'DeleteConnector', data: {} }, context);
      return { connectorId, deleted: true as const };
    },
    async replay(connectorId: string, fromPosition: number, context: CommandContext) {
      existing(connectorId);
      await engine.command(connectorId, { type: 'ReplayConnector', data: { fromPosition } }, context);
      return { connectorId, fromPosition };
    },
    async retryDeadLetters(connectorId: string, positions: readonly number[] | null, context: CommandContext) {
      const before = existing(connectorId).deadLetters.length;
      const result = await engine.command(connectorId, { type: 'RetryDeadLetters', data: { positions } }, context);
      const after = result.state.registered ? result.state.deadLetters.length : 0;
      return { connectorId, retried: before - after };
    },
  };
}
