import t from 'tap';
import { isAppError } from '@lienthong/service-kit';
import { isDomainError } from '@lienthong/decider';
import type { DocumentRow, RoutingView } from '../projections/routing-view.js';
import { findDocument, mayRead, organsOf, senderGate } from './access.js';
import type { SystemPrincipal } from './context.js';

const HUB_ID = '0b0f6a4e-7d0c-4a8e-9f1e-2c7f2b9d6a11';
const row = { documentId: HUB_ID, senderOrganId: 'A' } as DocumentRow;

/** The lookups access.ts makes, over two documents: the hub id above, and edXML id `E-1` sent by A to B. */
const view = {
  document: (id: string) => (id === HUB_ID ? row : null),
  documentByEdxmlId: (id: string, organIds: readonly string[]) =>
    id === 'E-1' && organIds.some((o) => o === 'A' || o === 'B') ? row : null,
  isParty: (documentId: string, organIds: readonly string[]) => documentId === HUB_ID && organIds.some((o) => o === 'A' || o === 'B'),
} as Pick<RoutingView, 'document' | 'documentByEdxmlId' | 'isParty'> as RoutingView; // only these are read here

const system = (...organIds: string[]): SystemPrincipal => ({ kind: 'system', id: 'sys', organIds, requireValidSignature: false });
const admin = { kind: 'admin', id: 'admin' } as const;
/** `A.1` is another identifier of A; `X` is unknown. */
const directory = { resolveOrganId: (id: string) => (id === 'A' || id === 'A.1' ? 'A' : id === 'B' ? 'B' : null) };

t.test('findDocument: by hub id for anyone, by edXML id among the caller’s own documents', async (t) => {
  t.equal(findDocument(view, HUB_ID, admin), row);
  t.equal(findDocument(view, HUB_ID, system('C')), row, 'found: whether it may be read is mayRead’s question');
  t.equal(findDocument(view, 'E-1', system('B')), row, 'a party finds it by its edXML id');
  t.equal(findDocument(view, 'E-1', system('C')), null, 'another organisation does not');
  t.equal(findDocument(view, 'E-1', admin), null, 'edXML ids are per party: an admin uses the hub id');
  t.equal(findDocument(view, '1f1f1f1f-0000-4000-8000-000000000000', system('A')), null);
});

t.test('mayRead: admins and the parties only', async (t) => {
  t.ok(mayRead(view, row, admin));
  t.ok(mayRead(view, row, system('B')));
  t.notOk(mayRead(view, row, system('C')));
  t.notOk(mayRead(view, row, { kind: 'public', id: 'public' }));
});

t.test('senderGate: refuses a sender the system does not act for, before any attachment', async (t) => {
  const gate = senderGate(directory, system('A'));
  t.doesNotThrow(() => gate('A'));
  t.doesNotThrow(() => gate('A.1'), 'another identifier of the same organisation');
  const refused = (sender: string | null) => {
    try {
      gate(sender);
    } catch (error) {
      return error;
    }
    return undefined;
  };
  t.ok(isDomainError(refused('B'), 'forbidden'), 'someone else’s organisation: the decider’s rule');
  const missing = refused(null);
  t.ok(isAppError(missing) && missing.code === 'LT_VALIDATION', 'no sender before the attachments: 400');
});

t.test('organsOf: all the system’s organisations, or the one asked for if it is one of them', async (t) => {
  t.same(organsOf(system('A', 'B'), undefined, directory), ['A', 'B']);
  t.same(organsOf(system('A', 'B'), 'A.1', directory), ['A'], 'resolved through the directory');
  t.throws(() => organsOf(system('A'), 'B', directory), { code: 'LT_FORBIDDEN' });
  t.throws(() => organsOf(system('A'), 'X', directory), { code: 'LT_FORBIDDEN' }, 'unknown is not one of them either');
});
