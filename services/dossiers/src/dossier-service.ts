import { derivedId, fold, handleCommand, type Decider } from '@lienthong/decider';
import type { EventStore, RecordedEvent } from '@lienthong/event-store';
import { AppError, actorOf, keyedRequestHash, notFound, unprocessable, type Principal } from '@lienthong/service-kit';
import type { WorkingCalendar } from '@lienthong/calendar';
import type { DirectoryView } from '@lienthong/directory';
import { notInForceMessage, type ProcedureNotInForce } from '@lienthong/catalog';
import type { ActionRequest, CitizenRequest, DossierCommand, PerformAction } from './domain/commands.js';
import { receiptDueAt, resumedClock, startedClock } from './domain/deadlines.js';
import { allowedActions, assertMayReceive, canSee, type DossierState, type ReceivedDossier } from './domain/dossier-decider.js';
import {
  DossierStreams,
  type DossierComponent,
  type DossierEvent,
  type DossierReceived,
  type DossierRequestRecorded,
} from './domain/events.js';
import { requestDecider, sameRequest } from './domain/request-decider.js';
import type { Actor, DossierAction } from './domain/rules.js';
import { STATUS_CODES, STATUS_LABELS, hashPin, isOverdue, isResolved, verifyPin, type DossierStatus } from '@lienthong/dossier-contract';
import { citizenActionsIn } from './domain/rules.js';
import type { CodeIssuer } from './dossier-code.js';
import type { CatalogReplicaView, ProcedureInForce } from './projections/catalog-replica.js';
import type { DossierQueueView, DossierReport, QueueFilter, QueueItem } from './projections/dossier-queue-view.js';
import { derivePin, maskName, newPin, requestHashKey, seal, unseal } from './secrets.js';
import { KeyedQueue } from './keyed-queue.js';
import { scopedAgency } from './agency-scope.js';

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
  /** The working calendar as it is now (the catalog's replica): its answers go into the commands. */
  readonly calendar: () => WorkingCalendar;
  readonly queue: DossierQueueView;
  readonly issueCode: CodeIssuer;
  readonly keys: { readonly pin: Buffer; readonly applicant: Buffer };
  readonly clock: () => Date;
  /** Read-your-writes: resolves once the queue read model has applied this event. */
  readonly waitForQueue: (event: RecordedEvent) => Promise<void>;
}

/** What a receipt answers: the code and the lookup PIN (shown once, or again to a keyed retry). */
export interface Receipt {
  readonly dossierCode: string;
  readonly lookupPin: string;
  readonly status: DossierStatus;
  readonly statusCode: number;
  readonly receivedAt: string;
  readonly dueAt: string;
}

/** A dossier as staff read it (`GET /v1/dossiers/:code`, and the answer to an action). */
export interface DossierDocument {
  readonly dossierCode: string;
  readonly procedureCode: string;
  readonly procedureVersion: number;
  readonly procedureName: string;
  readonly agencyId: string;
  readonly status: DossierStatus;
  readonly statusCode: number;
  readonly statusLabel: string;
  readonly channel: 'counter' | 'online' | 'postal';
  readonly receivedAt: string;
  readonly dueAt: string;
  readonly legalDueAt: string;
  readonly paused: boolean;
  readonly pausedAt: string | null;
  readonly overdue: boolean;
  readonly officer: string | null;
  readonly department: string | null;
  readonly applicant: Applicant;
  readonly components: readonly DossierComponent[];
  /** What the reader may do next. */
  readonly allowedActions: readonly DossierAction[];
  readonly revision: number;
}

/** The events of a dossier as `GET /v1/dossiers/:code/history` shows them (no PIN hash, no sealed applicant). */
export interface DossierHistory {
  readonly dossierCode: string;
  readonly items: ReadonlyArray<{
    readonly revision: number;
    readonly type: string;
    readonly at: string;
    readonly actor: string;
    readonly data: Readonly<Record<string, unknown>>;
  }>;
}

/** A page of the counters' queue. */
export interface DossierPage {
  readonly items: QueueItem[];
  readonly total: number;
  readonly limit: number;
  readonly offset: number;
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
function procedureProblem(
  procedureCode: string,
  lookup: ProcedureNotInForce,
): { procedureCode: string; reason: ProcedureNotInForce['reason']; retiredAt?: string; effectiveFrom?: string } {
  switch (lookup.reason) {
    case 'unknown':
      return { procedureCode, reason: 'unknown' };
    case 'retired':
      return {
        procedureCode,
        reason: 'retired',
        retiredAt: lookup.retiredAt,
        ...(lookup.againFrom ? { effectiveFrom: lookup.againFrom } : {}),
      };
    case 'not-yet-in-force':
      return { procedureCode, reason: 'not-yet-in-force', effectiveFrom: lookup.from };
  }
}

/** The receipt's `DossierReceived`: the first event of its stream. */
function received(events: readonly RecordedEvent[]): DossierReceived['data'] {
  const first = events[0];
  if (first?.type !== 'DossierReceived') throw new Error('a dossier stream starts with DossierReceived');
  return first.data as DossierReceived['data'];
}

/** The receipt as answered (the PIN shown once, or again to a keyed retry). */
const receiptAnswer = (d: DossierReceived['data'], lookupPin: string): Receipt => ({
  dossierCode: d.dossierCode,
  lookupPin,
  status: d.status,
  statusCode: d.statusCode,
  receivedAt: d.receivedAt,
  dueAt: d.dueAt,
});

const normaliseComponents = (list: readonly (string | DossierComponent)[] = []): DossierComponent[] =>
  list.map((c) => (typeof c === 'string' ? { name: c } : { name: c.name, ...(c.copies !== undefined ? { copies: c.copies } : {}) }));

/** An online submission (SPEC §7), its files already in the blob store and checked against the procedure's rules. */
export interface OnlineReceiveInput {
  readonly procedureCode: string;
  readonly agencyId: string;
  readonly applicant: Applicant;
  readonly contact?: { readonly email?: string | undefined; readonly phone?: string | undefined } | undefined;
  /** The e-form (tờ khai), checked against the version's `form` schema by the caller; sealed with the applicant. */
  readonly form?: unknown;
  readonly components: readonly DossierComponent[];
}

/** What a citizen sees of their dossier with the code and PIN (SPEC §7). */
export interface CitizenView {
  readonly dossierCode: string;
  readonly procedureCode: string;
  readonly procedureName: string;
  readonly agencyId: string;
  readonly channel: 'counter' | 'online' | 'postal';
  readonly status: DossierStatus;
  readonly statusCode: number;
  readonly statusLabel: string;
  readonly receivedAt: string;
  readonly dueAt: string | null;
  readonly supplementRequest: { readonly reason: string; readonly items: readonly string[] } | null;
  readonly paymentDue: number | null;
  readonly resultFiles: readonly { readonly sha256: string; readonly name: string; readonly mediaType: string }[];
  readonly components: readonly DossierComponent[];
  readonly allowedActions: readonly string[];
  /** The applicant's contact for notifications; shown only to the PIN holder. */
  readonly contact: { readonly email?: string; readonly phone?: string };
}

/** The one-stop-shop workflow: receipt (code, PIN, deadline), actions, and what staff read. */
export interface DossierService {
  /**
   * `POST /v1/dossiers`. With an `Idempotency-Key`, the same key and body (from the same
   * caller) answer the same receipt, code and PIN, and create one dossier (`receiveKeyed`).
   */
  receive(input: ReceiveInput, principal: Principal, context: Context, idempotencyKey?: string): Promise<Receipt>;
  /** `POST /v1/dossiers/:code/actions/:action`; with an `Idempotency-Key`, a retry applies nothing and answers as the first time. */
  act(
    code: string,
    request: ActionRequest,
    principal: Principal,
    context: Context,
    idempotencyKey?: string,
  ): Promise<DossierDocument | TransferredAway>;
  /** `GET /v1/dossiers/:code`: not found for who may not see it. */
  get(code: string, principal: Principal): Promise<DossierDocument>;
  /** Every event of the dossier, whichever agency held it then; personal data stays sealed. */
  history(code: string, principal: Principal): Promise<DossierHistory>;
  /** The procedure version in force now for an online submission: 422 when unknown, not in force or not offered online. */
  onlineProcedure(procedureCode: string, agencyId: string): { readonly agencyId: string; readonly procedure: ProcedureInForce };
  /** `POST /v1/public/dossiers`: an online dossier in status 1; its clock starts when a clerk accepts it. */
  receiveOnline(input: OnlineReceiveInput, context: Context): Promise<Receipt & { readonly channel: 'online' }>;
  /** The citizen's view with code and PIN; null for an unknown code and a wrong PIN alike. */
  citizenView(code: string, pin: string): Promise<CitizenView | null>;
  /** A citizen's action with code and PIN (null: not found), or the payment provider's confirmation (`pin` null: trusted caller). */
  citizenAct(code: string, pin: string | null, request: CitizenRequest, context: Context, requestId?: string): Promise<CitizenView | null>;
  /** A page of the queue: staff see their agency's, admins any agency's or all. */
  list(filter: Omit<QueueFilter, 'agencyId'> & { agencyId?: string | undefined }, principal: Principal): DossierPage;
  /** The figures of an agency (staff: their own) or of all, over [from, to). */
  report(query: { agencyId?: string | undefined; from: Date; to: Date }, principal: Principal): DossierReport;
}

export function createDossierService(deps: DossierServiceDeps): DossierService {
  const { store, decider, directory, catalog, queue, keys, clock } = deps;

  async function load(code: string): Promise<{ state: DossierState; events: RecordedEvent[] }> {
    const events = await store.readStream(DossierStreams.dossier(code));
    return {
      state: fold(
        decider,
        events.map((e) => ({ type: e.type, data: e.data }) as DossierEvent),
      ),
      events,
    };
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

  function view(state: ReceivedDossier, actor: Actor, revision: number): DossierDocument {
    const now = clock();
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
      overdue: isOverdue(state, now),
      officer: state.officer,
      department: state.department,
      applicant: applicantOf(state),
      components: state.components,
      allowedActions: allowedActions(state, actor),
      revision,
    };
  }

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

  /** Keyed requests of this process, one at a time per key: a retry racing its original waits for it. */
  const inFlight = new KeyedQueue();
  /** Keys are the caller's own: the id is derived from both, so another caller's key names another request. */
  const requestIdOf = (principal: Principal, key: string) => derivedId('dossier-request', actorOf(principal), key);
  /**
   * The hash a key is bound to, recorded in `DossierRequestRecorded`: keyed (HMAC under a secret
   * derived from `pin-hmac`), since a receipt's body holds the applicant and the event goes to
   * the bus, exports and audit, where a plain SHA-256 would confirm a guessed applicant offline.
   */
  const requestKey = requestHashKey(keys.pin);
  const bodyHashOf = (request: { receipt: ReceiveInput } | { action: { dossierCode: string; request: ActionRequest } }) =>
    keyedRequestHash(requestKey, request);
  const readRequest = async (requestId: string) =>
    fold(
      requestDecider,
      (await store.readStream(DossierStreams.request(requestId))).map((e) => ({ type: e.type, data: e.data }) as DossierRequestRecorded),
    );

  /** 1. The receipt's facts from the directory and the catalog, and the receipt rules: all before a code is spent. */
  function receiptFacts(input: ReceiveInput, principal: Principal, receivedAt: Date, now: Date) {
    const principalActor = actorOfPrincipal(principal);
    const agencyId = resolveAgency(input.agencyId, 'agencyId');
    // Staff are compared by organId: the principal may carry another identifier of the agency.
    const actor: Actor =
      principalActor.kind === 'staff'
        ? { ...principalActor, agencyId: directory.resolveOrganId(principalActor.agencyId) ?? principalActor.agencyId }
        : principalActor;
    assertMayReceive({ actor, agencyId, receivedAt: receivedAt.toISOString(), at: now.toISOString() });
    const lookup = catalog.procedureAt(input.procedureCode, receivedAt);
    if (!lookup.found)
      throw unprocessable(notInForceMessage(input.procedureCode, receivedAt, lookup), procedureProblem(input.procedureCode, lookup));
    return { agencyId, actor, receivedAt, procedure: lookup.procedure };
  }

  /** 3. The dossier itself under its code; a keyed retry of a receipt already made appends nothing. Answers its `DossierReceived`. */
  async function receiveInto(
    dossierCode: string,
    input: ReceiveInput,
    facts: ReturnType<typeof receiptFacts>,
    pin: string,
    requestId: string | undefined,
    context: Context,
    now: Date,
  ): Promise<DossierReceived['data']> {
    const result = await handleCommand(
      store,
      decider,
      DossierStreams.dossier(dossierCode),
      {
        type: 'ReceiveDossier',
        data: {
          dossierCode,
          agencyId: facts.agencyId,
          procedure: facts.procedure,
          channel: input.channel,
          receivedAt: facts.receivedAt.toISOString(),
          dueAt: receiptDueAt(deps.calendar(), facts.receivedAt, facts.procedure.processingDays),
          pinHash: hashPin(keys.pin, dossierCode, pin),
          maskedName: maskName(input.applicant.name),
          applicantSealed: seal(keys.applicant, dossierCode, input.applicant),
          components: normaliseComponents(input.components),
          actor: facts.actor,
          at: now.toISOString(),
          requestId,
        },
      },
      { ...context, now },
    );
    const appended = result.appended.at(-1);
    await readYourWrites(appended);
    return appended ? (appended.data as DossierReceived['data']) : received(await store.readStream(DossierStreams.dossier(dossierCode)));
  }

  /**
   * A keyed receipt: the key's stream `dossierrequest-<id>` records the request's hash with the
   * code and instant it was given, before the dossier is written; a retry (after a crash, a lost
   * answer, or racing the first) finds them and answers the same receipt; the PIN is derived from
   * the request (`derivePin`), so it is the same without being stored.
   */
  async function receiveKeyed(input: ReceiveInput, principal: Principal, context: Context, key: string, requestId: string) {
    const now = clock();
    const pin = derivePin(keys.pin, requestId);
    const bodySha256 = bodyHashOf({ receipt: input });
    const stream = DossierStreams.request(requestId);
    // 1. a retry? (another body under the key → 409)
    const prior = await readRequest(requestId);
    let dossierCode: string;
    let receivedAt: Date;
    if (sameRequest(prior, { key, bodySha256 })) {
      dossierCode = prior.dossierCode;
      receivedAt = new Date(prior.receivedAt ?? now);
      const events = await store.readStream(DossierStreams.dossier(dossierCode));
      if (events.length > 0) return receiptAnswer(received(events), pin); // made: answer it, whatever the catalog says now
    } else {
      // 2. a first use: check, take a code, and bind the key to it (a racing twin in another process may win: take its code)
      const facts = receiptFacts(input, principal, input.receivedAt === undefined ? now : new Date(input.receivedAt), now);
      const metadata = { correlationId: context.correlationId, causationId: null, actor: context.actor, at: now.toISOString() };
      const issued = await deps.issueCode(facts.agencyId, facts.receivedAt, metadata);
      const record: DossierRequestRecorded['data'] = {
        requestId,
        key,
        bodySha256,
        dossierCode: issued,
        kind: 'receipt',
        receivedAt: facts.receivedAt.toISOString(),
      };
      const bound = await handleCommand(store, requestDecider, stream, { type: 'RecordRequest', data: record }, { ...context, now });
      if (!bound.state.recorded) throw new Error(`request ${requestId} not recorded`);
      dossierCode = bound.state.dossierCode;
      receivedAt = new Date(bound.state.receivedAt ?? facts.receivedAt);
    }
    // 3. the dossier (when recorded but not made, a crash came between)
    const facts = receiptFacts(input, principal, receivedAt, now);
    return receiptAnswer(await receiveInto(dossierCode, input, facts, pin, requestId, context, now), pin);
  }

  const resolveRequest = (request: ActionRequest): ActionRequest =>
    request.action === 'transfer' ? { ...request, toAgencyId: resolveAgency(request.toAgencyId, 'toAgencyId') } : request;

  /** The action's command on `state`, with the calendar's answers a supplement needs decided here, not in the decider. */
  const performAction = (
    state: DossierState,
    request: ActionRequest,
    actor: Actor,
    at: Date,
    requestId: string | undefined,
  ): PerformAction => {
    const resumed = request.action === 'supplement' ? resumedClock(deps.calendar(), state, at) : undefined;
    const started = request.action === 'accept' ? startedClock(deps.calendar(), state, at) : undefined;
    return {
      type: 'PerformAction',
      data: { request, actor, at: at.toISOString(), requestId, ...(resumed ? { resumed } : {}), ...(started ? { started } : {}) },
    };
  };

  /**
   * A keyed action: 1. the key is bound to the request in `dossierrequest-<id>` (another request
   * under it → 409), then 2. the action: the dossier's decider skips a request it has applied, so
   * a retry, a racing twin or a retry after a crash between 1 and 2 adds nothing more. A first use
   * is bound only if the action would be made now: the decider is run on the dossier first, so a
   * dossier the caller cannot see is the same 404 as without a key (and a refused action the same
   * 403/409), with nothing appended.
   */
  async function actKeyed(code: string, request: ActionRequest, actor: Actor, context: Context, key: string, requestId: string) {
    const record: DossierRequestRecorded['data'] = {
      requestId,
      key,
      bodySha256: bodyHashOf({ action: { dossierCode: code, request } }),
      dossierCode: code,
      kind: 'action',
    };
    if (!sameRequest(await readRequest(requestId), record)) {
      const { state } = await load(code);
      decider.decide(performAction(state, resolveRequest(request), actor, clock(), requestId), state);
      await handleCommand(store, requestDecider, DossierStreams.request(requestId), { type: 'RecordRequest', data: record }, context);
    }
    return actOnce(code, request, actor, context, requestId);
  }

  /** The action through the decider; a keyed retry (nothing appended) answers as at the event that applied it. */
  async function actOnce(
    code: string,
    request: ActionRequest,
    actor: Actor,
    context: Context,
    requestId: string | undefined,
  ): Promise<DossierDocument | TransferredAway> {
    request = resolveRequest(request);
    const now = clock();
    const result = await handleCommand(
      store,
      decider,
      DossierStreams.dossier(code),
      (state) => performAction(state, request, actor, now, requestId),
      { ...context, now },
    );
    const appended = result.appended.at(-1);
    if (appended || requestId === undefined) {
      await readYourWrites(appended);
      return answer(result.state as ReceivedDossier, actor, result.revision);
    }
    const events = await store.readStream(DossierStreams.dossier(code));
    const at = events.findIndex((e) => (e.data as { requestId?: unknown }).requestId === requestId);
    if (at < 0) throw new Error(`dossier ${code}: no event of request ${requestId}`);
    const state = fold(
      decider,
      events.slice(0, at + 1).map((e) => ({ type: e.type, data: e.data }) as DossierEvent),
    ) as ReceivedDossier;
    return answer(state, actor, events[at]!.revision);
  }

  /** After a transfer the old agency no longer sees the dossier: answer without its data. */
  function answer(state: ReceivedDossier, actor: Actor, revision: number): DossierDocument | TransferredAway {
    if (actor.kind === 'staff' && actor.agencyId !== state.agencyId)
      return {
        dossierCode: state.dossierCode,
        agencyId: state.agencyId,
        status: state.status,
        statusCode: STATUS_CODES[state.status],
        allowedActions: [],
        revision,
      };
    return view(state, actor, revision);
  }

  /** The dossier if the PIN matches; null for an unknown code and a wrong PIN alike (one keyed hash either way). */
  async function withPin(code: string, pin: string): Promise<{ state: ReceivedDossier; events: RecordedEvent[] } | null> {
    const loaded = await load(code);
    const hash = loaded.state.received ? loaded.state.pinHash : '00'.repeat(32);
    const ok = verifyPin(keys.pin, code, pin, hash);
    return ok && loaded.state.received ? { state: loaded.state, events: loaded.events } : null;
  }

  function citizenViewOf(state: ReceivedDossier): CitizenView {
    const sealed = applicantOf(state) as Applicant & { contact?: { email?: string | undefined; phone?: string | undefined } };
    const resolved = isResolved(state.status);
    return {
      dossierCode: state.dossierCode,
      procedureCode: state.procedureCode,
      procedureName: state.procedureName,
      agencyId: state.agencyId,
      channel: state.channel,
      status: state.status,
      statusCode: STATUS_CODES[state.status],
      statusLabel: STATUS_LABELS[state.status],
      receivedAt: state.receivedAt,
      dueAt: state.channel === 'online' && state.status === 'new' ? null : resolved ? null : state.dueAt,
      supplementRequest: state.status === 'supplement-requested' ? state.supplementRequest : null,
      paymentDue: state.status === 'payment-requested' ? state.paymentDue : null,
      resultFiles:
        state.status === 'result-delivered'
          ? state.resultFiles.map((f) => ({ sha256: f.sha256, name: f.name, mediaType: f.mediaType }))
          : [],
      components: state.components,
      allowedActions: citizenActionsIn(state.status).filter((a) => a !== 'confirm-payment'),
      contact: contactOf(sealed),
    };
  }

  function contactOf(sealed: Applicant & { contact?: { email?: string | undefined; phone?: string | undefined } }) {
    const email = sealed.contact?.email ?? sealed.email;
    const phone = sealed.contact?.phone ?? sealed.phone;
    return { ...(email !== undefined ? { email } : {}), ...(phone !== undefined ? { phone } : {}) };
  }

  function onlineProcedure(procedureCode: string, agencyIdGiven: string) {
    const agencyId = resolveAgency(agencyIdGiven, 'agencyId');
    const now = clock();
    const lookup = catalog.procedureAt(procedureCode, now);
    if (!lookup.found) throw unprocessable(notInForceMessage(procedureCode, now, lookup), procedureProblem(procedureCode, lookup));
    if (lookup.procedure.online.level === null)
      throw unprocessable(`procedure ${procedureCode} is not offered online`, { procedureCode, reason: 'not-online' });
    return { agencyId, procedure: lookup.procedure };
  }

  return {
    onlineProcedure,

    async receiveOnline(input: OnlineReceiveInput, context: Context) {
      const now = clock();
      const { agencyId, procedure } = onlineProcedure(input.procedureCode, input.agencyId);
      const metadata = { correlationId: context.correlationId, causationId: null, actor: context.actor, at: now.toISOString() };
      const dossierCode = await deps.issueCode(agencyId, now, metadata);
      const pin = newPin();
      const sealed = {
        ...input.applicant,
        ...(input.contact ? { contact: input.contact } : {}),
        ...(input.form !== undefined ? { form: input.form } : {}),
      };
      const result = await handleCommand(
        store,
        decider,
        DossierStreams.dossier(dossierCode),
        {
          type: 'ReceiveDossier',
          data: {
            dossierCode,
            agencyId,
            procedure: { code: procedure.code, version: procedure.version, name: procedure.name, processingDays: procedure.processingDays },
            channel: 'online',
            receivedAt: now.toISOString(),
            // Provisional: the legal clock starts when a clerk accepts the dossier (the accept's command carries the real one).
            dueAt: receiptDueAt(deps.calendar(), now, procedure.processingDays),
            pinHash: hashPin(keys.pin, dossierCode, pin),
            maskedName: maskName(input.applicant.name),
            applicantSealed: seal(keys.applicant, dossierCode, sealed),
            components: [...input.components],
            actor: { kind: 'citizen' },
            at: now.toISOString(),
          },
        },
        { ...context, now },
      );
      const appended = result.appended.at(-1);
      await readYourWrites(appended);
      return { ...receiptAnswer(appended!.data as DossierReceived['data'], pin), channel: 'online' as const };
    },

    async citizenView(code: string, pin: string) {
      const found = await withPin(code, pin);
      return found ? citizenViewOf(found.state) : null;
    },

    async citizenAct(code: string, pin: string | null, request: CitizenRequest, context: Context, requestId?: string) {
      if (pin !== null && !(await withPin(code, pin))) return null;
      const now = clock();
      const result = await handleCommand(
        store,
        decider,
        DossierStreams.dossier(code),
        (state) => {
          const resumed = request.action === 'supplement' ? resumedClock(deps.calendar(), state, now) : undefined;
          return { type: 'CitizenAct' as const, data: { request, at: now.toISOString(), requestId, ...(resumed ? { resumed } : {}) } };
        },
        { ...context, now },
      );
      await readYourWrites(result.appended.at(-1));
      return citizenViewOf(result.state as ReceivedDossier);
    },

    async receive(input: ReceiveInput, principal: Principal, context: Context, idempotencyKey?: string) {
      if (idempotencyKey === undefined) {
        const now = clock();
        const facts = receiptFacts(input, principal, input.receivedAt === undefined ? now : new Date(input.receivedAt), now);
        // 2. the code, from the agency-day sequence stream
        const metadata = { correlationId: context.correlationId, causationId: null, actor: context.actor, at: now.toISOString() };
        const dossierCode = await deps.issueCode(facts.agencyId, facts.receivedAt, metadata);
        const pin = newPin();
        return receiptAnswer(await receiveInto(dossierCode, input, facts, pin, undefined, context, now), pin);
      }
      const requestId = requestIdOf(principal, idempotencyKey);
      return inFlight.run(requestId, () => receiveKeyed(input, principal, context, idempotencyKey, requestId));
    },

    async act(
      code: string,
      request: ActionRequest,
      principal: Principal,
      context: Context,
      idempotencyKey?: string,
    ): Promise<DossierDocument | TransferredAway> {
      const actor = actorOfPrincipal(principal);
      if (idempotencyKey === undefined) return actOnce(code, request, actor, context, undefined);
      const requestId = requestIdOf(principal, idempotencyKey);
      return inFlight.run(requestId, () => actKeyed(code, request, actor, context, idempotencyKey, requestId));
    },

    async get(code: string, principal: Principal): Promise<DossierDocument> {
      const actor = actorOfPrincipal(principal);
      const { state, events } = await load(code);
      if (!canSee(state, actor)) throw notFound(`no dossier ${code}`);
      return view(state, actor, events.at(-1)!.revision);
    },

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
      const agencyId = scopedAgency(directory, actor, filter.agencyId, 'queue');
      const { items, total } = queue.list({ ...filter, agencyId }, clock());
      return { items, total, limit: filter.limit, offset: filter.offset };
    },

    report(query: { agencyId?: string | undefined; from: Date; to: Date }, principal: Principal) {
      const actor = actorOfPrincipal(principal);
      const agencyId = scopedAgency(directory, actor, query.agencyId, 'reports') ?? null;
      return {
        agencyId,
        from: query.from.toISOString(),
        to: query.to.toISOString(),
        ...queue.report(agencyId, query.from, query.to, clock()),
      };
    },
  };
}
export type { DossierAction };
