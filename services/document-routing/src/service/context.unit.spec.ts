import t from 'tap';
import type { BlobStore } from '@lienthong/blob-store';
import type { DirectoryView } from '@lienthong/directory';
import type { EventStore } from '@lienthong/event-store';
import type { RoutingView } from '../projections/routing-view.js';
import { jsonHash, serviceContext, warningsOf } from './context.js';

t.test('warningsOf: the key only when something was tolerated, each warning copied', async (t) => {
  t.same(warningsOf([]), {});
  const warning = { code: 'attachment-not-base64', message: 'stored as text' } as Parameters<typeof warningsOf>[0][number];
  const answer = warningsOf([warning]);
  t.same(answer, { warnings: [warning] });
  t.not(answer.warnings?.[0], warning, 'a copy, not the reader’s object');
});

t.test('jsonHash: the same for the same value whatever the key order', async (t) => {
  t.equal(jsonHash({ a: 1, b: [1, { c: 2, d: 3 }] }), jsonHash({ b: [1, { d: 3, c: 2 }], a: 1 }));
  t.not(jsonHash({ a: 1 }), jsonHash({ a: 2 }));
  t.match(jsonHash(null), /^[0-9a-f]{64}$/);
});

t.test('serviceContext: resolves through the directory, parses inline unless given a parser', async (t) => {
  const directory = { resolveOrganId: (id: string) => (id === 'A.1' ? 'A' : null) } as Pick<
    DirectoryView,
    'resolveOrganId'
  > as DirectoryView;
  const deps = {
    store: {} as EventStore, // not used by the context itself
    view: {} as RoutingView,
    directory,
    blobs: {} as BlobStore,
    waitFor: async () => {},
    hubOrganId: 'hub',
    maxBodyBytes: 1,
    verifyMaxBytes: 1,
  };
  const ctx = serviceContext(deps);
  t.same(ctx.resolve('A.1'), { given: 'A.1', organId: 'A' });
  t.same(ctx.resolve('X'), { given: 'X', organId: null }, 'unknown: kept as given, for the decider to refuse');
  t.ok(typeof ctx.parser === 'object' && 'parse' in ctx.parser, 'an inline parser by default');
  const parser = { parse: async () => ({}) as never, close: async () => {} };
  t.equal(serviceContext({ ...deps, parser }).parser, parser, 'a given parser (the worker pool) is used');
  t.equal(ctx.hubOrganId, 'hub', 'the deps are carried');
});
