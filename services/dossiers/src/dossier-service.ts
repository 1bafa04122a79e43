import { fold, handleCommand, type Decider } from '@lienthong/decider';
import type { EventStore, RecordedEvent } from '@lienthong/event-store';
import { AppError, notFound, unprocessable, type Principal } from '@lienthong/service-kit';
import type { DirectoryView } from '@lienthong/directory';
import { notInForceMessage, type ProcedureNotInForce } from '@lienthong/catalog';
import type { ActionRequest, DossierCommand } from './domain/commands.js';
import { allowedActions, assertMayReceive, canSee, type DossierState, type ReceivedDossier } from './domain/dossier-decider.js';
import { DossierStreams, type DossierComponent, type DossierEvent } from './domain/events.js';
import type { Actor, DossierAction } from './domain/rules.js';
import { STATUS_CODES, STATUS_LABELS, isResolved } from './domain/status.js';
import type { createCodeIssuer } from './dossier-code.js';
import type { CatalogReplicaView } from './projections/catalog-replica.js';
import type { DossierQueueView, QueueFilter } from './projections/dossier-queue-view.js';
import { hashPin, maskName, newPin, seal, unseal } from './secrets.js';

/** The applicant as given at receipt; only ever stored sealed. */
export interface Applicant {
  readonly name: string;
  readonly idNumber?: string | undefined;
  readonly phone?: string | undefined;
  readonly email?: string | undefined;
  readonly address?: string | undefined;
}

export interface ReceiveInput {
  readonly procedureCode: string;
  readonly agencyId: string;
  readonly applicant: Applicant;
  readonly channel: 'counter' | 'online' | 'postal';
  readonly components?: readonly (string | DossierComponent)[] | undefined;
  readonly receivedAt?: string | undefined;
}

export interface DossierServiceDeps {
  readonly store: EventStore;
  readonly decider: Decider<DossierState, DossierCommand, DossierEvent>;
  readonly directory: DirectoryView;
  readonly catalog: CatalogReplicaView;
  readonly queue: DossierQueueView;
  readonly issueCode: ReturnType<typeof createCodeIssuer>;
  readonly keys: { readonly pin: Buffer; readonly applicant: Buffer };
  readonly clock: () => Date;
  /** Read-your-writes: resolves once the queue read model has applied this event. */
  readonly waitForQueue: (event: RecordedEvent) => Promise<void>;
}

/** The answer to a transfer for staff of the agency that handed the dossier over. */
export interface TransferredAway {
  readonly dossierCode: string;
  readonly agencyId: string;
  readonly status: string;
  readonly statusCode: number;
  readonly allowedActions: readonly DossierAction[];
  readonly revision: number;
}

export interface Context {
  readonly correlationId: string;
  readonly actor: string;
}

function actorOfPrincipal(principal: Principal): Actor {
  if (principal.kind === 'admin') return { kind: 'admin' };
  if (principal.kind === 'staff') return { kind: 'staff', agencyId: principal.agencyId, roles: principal.roles };
  throw new AppError('LT_FORBIDDEN', 'dossiers are for agency staff');
}

/** Extension members of the 422 for a procedure not in force at receipt. */
function procedureProblem(procedureCode: string, lookup: ProcedureNotInForce): Record<string, unknown> {
  switch (lookup.reason) {
    case 'unknown':
      return { procedureCode, reason: 'unknown' };
    case 'retired':
      return { procedureCode, reason: 'retired', retiredAt: lookup.retiredAt, ...(lookup.againFrom ? { effectiveFrom: lookup.againFrom } : {}) };
    case 'not-yet-in-force':
      return { procedureCode, reason: 'not-yet-in-force', effectiveFrom: lookup.from };
  }
}

const normaliseComponents = (list: readonly (string | DossierComponent)[] = []): DossierComponent[] =>
  list.map((c) => (typeof c === 'string' ? { name: c } : { name: c.name, ...(c.copies !== undefined ? { copies: c.copies } : {}) }));

/** The one-stop-shop workflow: receipt (code, PIN, deadline), actions, and what staff read. */
export function createDossierService(deps: DossierServiceDeps) {
  const { store, decider, directory, catalog, queue, keys, clock } = deps;

  async function load(code: string): Promise<{ state: DossierState; events: RecordedEvent[] }> {
    const events = await store.readStream(DossierStreams.dossier(code));
    return { state: fold(decider, events.map((e) => ({ type: e.type, data: e.data }) as DossierEvent)), events };
  }

  /** Applicants recently shown, by sealed text: every action answers with the applicant, AES-GCM each time otherwise. */
  const applicants = new Map<string, Applicant>();
  function applicantOf(state: ReceivedDossier): Applicant {
    // Keyed with the code too: the code is the seal's associated data.
    const key = `${state.dossierCode}\n${state.applicantSealed}`;
    let applicant = applicants.get(key);
    if (applicant === undefined) {
      applicant = unseal<Applicant>(keys.applicant, state.dossierCode, state.applicantSealed);
      if (applicants.size >= 1_000) applicants.delete(applicants.keys().next().value!);
      applicants.set(key, applicant);
    }
    return applicant;
  }

  function view(state: ReceivedDossier, actor: Actor, revision: number) {
    const now = clock().getTime();
    const paused = state.pausedAt !== null && !isResolved(state.status);
    return {
      dossierCode: state.dossierCode,
      procedureCode: state.procedureCode,
      procedureVersion: state.procedureVersion,
      procedureName: state.procedureName,
      agencyId: state.agencyId,
      status: state.status,
      statusCode: STATUS_CODES[state.status],
      statusLabel: STATUS_LABELS[state.status],
      channel: state.channel,
      receivedAt: state.receivedAt,
      dueAt: state.dueAt,
      legalDueAt: state.legalDueAt,
      paused,
      pausedAt: paused ? state.pausedAt : null,
      // Flagged by the scheduler, or past due and running (the scheduler may not have passed yet).
      overdue: state.overdue || (!isResolved(state.status) && !paused && Date.parse(state.dueAt) < now),
      officer: state.officer,
      department: state.department,
      applicant: applicantOf(state),
      components: state.components,
      allowedActions: allowedActions(state, actor),
      revision,
    };
  }
  type DossierView = ReturnType<typeof view>;

  /**
   * Until the queue has applied `event`: the runner wakes waiters on each applied batch, and a
   * dossier event needs no query to tell, so this costs a comparison per batch.
   */
  async function readYourWrites(event: RecordedEvent | undefined): Promise<void> {
    if (event) await deps.waitForQueue(event);
  }

  const resolveAgency = (id: string, what: string): string => {
    const organId = directory.resolveOrganId(id);
    if (!organId) throw unprocessable(`unknown agency ${id}`, { [what]: id });
    return organId;
  };

  /** The agency a queue or report is about: staff see only their own (the default), admins any or all. */
  function scopedAgency(actor: Actor, requested: string | undefined, what: 'queue' | 'reports'): string | undefined {
    const agencyId = requested === undefined ? undefined : (directory.resolveOrganId(requested) ?? requested);
    if (actor.kind !== 'staff') return agencyId;
    if (agencyId !== undefined && agencyId !== actor.agencyId) throw new AppError('LT_FORBIDDEN', `staff of ${actor.agencyId} cannot see the ${what} of ${agencyId}`);
    return actor.agencyId;
  }

  return {
    async receive(input: ReceiveInput, principal: Principal, context: Context) {
      const principalActor = actorOfPrincipal(principal);
      const now = clock();
      // 1. facts from the directory and the catalog, and the receipt rules: all before a code is spent
      const receivedAt = input.receivedAt === undefined ? now : new Date(input.receivedAt);
      const agencyId = resolveAgency(input.agencyId, 'agencyId');
      // Staff are compared by organId: the principal may carry another identifier of the agency.
      const actor: Actor = principalActor.kind === 'staff' ? { ...principalActor, agencyId: directory.resolveOrganId(principalActor.agencyId) ?? principalActor.agencyId } : principalActor;
      assertMayReceive({ actor, agencyId, receivedAt: receivedAt.toISOString(), at: now.toISOString() });
      const lookup = catalog.procedureAt(input.procedureCode, receivedAt);
      if (!lookup.found) throw unprocessable(notInForceMessage(input.procedureCode, receivedAt, lookup), procedureProblem(input.procedureCode, lookup));
      // 2. the code, from the agency-day sequence stream
      const metadata = { correlationId: context.correlationId, causationId: null, actor: context.actor, at: now.toISOString() };
      const dossierCode = await deps.issueCode(agencyId, receivedAt, metadata);
      // 3. the dossier itself
      const pin = newPin();
      const result = await handleCommand(
        store,
        decider,
        DossierStreams.dossier(dossierCode),
        {
          type: 'ReceiveDossier',
          data: {
            dossierCode,
            agencyId,
            procedure: lookup.procedure,
            channel: input.channel,
            receivedAt: receivedAt.toISOString(),
            pinHash: hashPin(keys.pin, dossierCode, pin),
            maskedName: maskName(input.applicant.name),
            applicantSealed: seal(keys.applicant, dossierCode, input.applicant),
            components: normaliseComponents(input.components),
            actor,
            at: now.toISOString(),
          },
        },
        { ...context, now },
      );
      await readYourWrites(result.appended.at(-1));
      const state = result.state as ReceivedDossier;
      return { dossierCode, lookupPin: pin, status: state.status, statusCode: STATUS_CODES[state.status], receivedAt: state.receivedAt, dueAt: state.dueAt };
    },

    async act(code: string, request: ActionRequest, principal: Principal, context: Context): Promise<DossierView | TransferredAway> {
      const actor = actorOfPrincipal(principal);
      if (request.action === 'transfer') request = { ...request, toAgencyId: resolveAgency(request.toAgencyId, 'toAgencyId') };
      const now = clock();
      const result = await handleCommand(store, decider, DossierStreams.dossier(code), { type: 'PerformAction', data: { request, actor, at: now.toISOString() } }, { ...context, now });
      await readYourWrites(result.appended.at(-1));
      const state = result.state as ReceivedDossier;
      // After a transfer the old agency no longer sees the dossier: answer without its data.
      if (actor.kind === 'staff' && actor.agencyId !== state.agencyId)
        return { dossierCode: state.dossierCode, agencyId: state.agencyId, status: state.status, statusCode: STATUS_CODES[state.status], allowedActions: [], revision: result.revision };
      return view(state, actor, result.revision);
    },

    async get(code: string, principal: Principal): Promise<DossierView> {
      const actor = actorOfPrincipal(principal);
      const { state, events } = await load(code);
      if (!canSee(state, actor)) throw notFound(`no dossier ${code}`);
      return view(state, actor, events.at(-1)!.revision);
    },

    /** Every event of the dossier, whichever agency held it then; personal data stays sealed. */
    async history(code: string, principal: Principal) {
      const actor = actorOfPrincipal(principal);
      const { state, events } = await load(code);
      if (!canSee(state, actor)) throw notFound(`no dossier ${code}`);
      return {
        dossierCode: code,
        items: events.map((e) => {
          const { pinHash: _p, applicantSealed: _a, ...data } = e.data as Record<string, unknown>;
          return { revision: e.revision, type: e.type, at: e.metadata.at, actor: e.metadata.actor, data };
        }),
      };
    },

    list(filter: Omit<QueueFilter, 'agencyId'> & { agencyId?: string | undefined }, principal: Principal) {
      const actor = actorOfPrincipal(principal);
      const agencyId = scopedAgency(actor, filter.agencyId, 'queue');
      const { items, total } = queue.list({ ...filter, agencyId }, clock());
      return { items, total, limit: filter.limit, offset: filter.offset };
    },

    report(query: { agencyId?: string | undefined; from: Date; to: Date }, principal: Principal) {
      const actor = actorOfPrincipal(principal);
      const agencyId = scopedAgency(actor, query.agencyId, 'reports') ?? null;
      return { agencyId, from: query.from.toISOString(), to: query.to.toISOString(), ...queue.report(agencyId, query.from, query.to, clock()) };
    },
  };
}
export type DossierService = ReturnType<typeof createDossierService>;
export type { DossierAction };
