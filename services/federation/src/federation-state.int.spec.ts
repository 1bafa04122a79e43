/**
 * The outbox's index (federation-state.ts) on a real SQLite store: a transfer is queued without a
 * read of its stream (appended with "no stream" expected), and queuing it again, in this process
 * or in another one on the same store, after it was queued or delivered, adds nothing and sends
 * nothing again.
 */
import { join } from 'node:path';
import t from 'tap';
import { createSqliteEventStore } from '@lienthong/event-store';
import { tempDir } from '@lienthong/testing';
import { loadFederationState } from './federation-state.js';
import { transferStream } from './events.js';

const PEER = {
  peerId: 'b',
  name: 'B',
  baseUrl: 'http://127.0.0.1:9',
  keyId: 'b-key-0001',
  publicKey: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  routes: ['*.H51'],
  kind: 'hub' as const,
};
const ctx = { correlationId: 'test', actor: 'federation' };
const message = (documentId: string) => ({
  documentId,
  origin: '000.00.00.H13',
  recipients: ['000.00.15.H51'],
  edxml: '<edXML/>',
  source: JSON.stringify({ documentId }),
});

t.test('a transfer queued, delivered, then queued again (here and by another process) is sent once', async (t) => {
  const dir = tempDir(t, 'lt-fed-state-');
  const file = join(dir, 'events.sqlite');
  const store = createSqliteEventStore({ file, sync: 'normal' });
  t.teardown(() => store.close());
  const state = await loadFederationState(store);
  await state.registerPeer(PEER, ctx);

  const [queued] = await state.queue('document', message('d-1'), ctx);
  t.ok(queued, 'queued');
  const id = queued!.transferId;
  t.same(
    state.pending().map((p) => p.transfer.transferId),
    [id],
    'pending',
  );
  t.equal(state.body(id)?.toString('utf8'), '<edXML/>', 'the edXML held in memory (the event keeps a source only)');
  await state.queue('document', message('d-1'), ctx);
  t.same(
    (await store.readStream(transferStream(id))).map((e) => e.type),
    ['TransferQueued'],
    'queued again while pending: nothing appended',
  );

  // another process on the same store queues the same message (a reactor replaying after a crash)
  const other = createSqliteEventStore({ file, sync: 'normal' });
  t.teardown(() => other.close());
  const otherState = await loadFederationState(other);
  t.same(
    otherState.pending().map((p) => p.transfer.transferId),
    [id],
    'the other process folds it as pending',
  );
  await otherState.queue('document', message('d-1'), ctx);
  t.equal((await store.readStream(transferStream(id))).length, 1, 'queued again by the other process: nothing appended');

  await state.recordDelivery(id, { status: 202, latencyMs: 5 }, ctx);
  t.same(state.pending(), [], 'delivered: out of the outbox');
  // this process, after delivery: the "no stream" append fails, the stream is read, nothing is decided
  t.same(await state.queue('document', message('d-1'), ctx), [{ transferId: id, peerId: 'b', recipients: ['000.00.15.H51'] }]);
  t.same(state.pending(), [], 'queued again after delivery: not pending again');
  t.same(
    (await store.readStream(transferStream(id))).map((e) => e.type),
    ['TransferQueued', 'TransferDelivered'],
    'nothing appended by queuing again',
  );

  // a fresh process after the delivery, replaying the queue: nothing pending, nothing appended
  const third = await loadFederationState(other);
  t.same(third.pending(), [], 'folded as delivered');
  await third.queue('document', message('d-1'), ctx);
  t.same(third.pending(), [], 'still not pending');
  t.equal((await store.readStream(transferStream(id))).length, 2, 'still two events');
});

t.test(
  "a transfer's progress, for the sender's timeline: pending with its last failure, then delivered or dropped, with times",
  async (t) => {
    const dir = tempDir(t, 'lt-fed-progress-');
    const store = createSqliteEventStore({ file: join(dir, 'events.sqlite'), sync: 'normal' });
    t.teardown(() => store.close());
    const state = await loadFederationState(store);
    await state.registerPeer(PEER, ctx);
    t.equal(await state.progress('never-queued'), null, 'nothing queued: null');

    const [delivered] = await state.queue('document', message('d-2'), ctx);
    const id = delivered!.transferId;
    t.match(await state.progress(id), { peerId: 'b', status: 'pending', attempts: 0, lastError: null, endedAt: null }, 'queued');
    const nextAttemptAt = new Date(Date.now() + 1000).toISOString();
    await state.recordAttempt(id, { reason: 'http-503', detail: 'B is restarting', nextAttemptAt }, ctx);
    const pending = await state.progress(id);
    t.match(
      pending,
      { status: 'pending', attempts: 1, lastError: 'http-503: B is restarting', nextAttemptAt, endedAt: null },
      'a failed attempt',
    );
    t.ok(pending!.lastAttemptAt! >= pending!.queuedAt, 'the attempt after the queuing');
    await state.recordDelivery(id, { status: 202, latencyMs: 4 }, ctx);
    const done = await state.progress(id);
    t.match(done, { status: 'delivered', attempts: 2, nextAttemptAt: null, dropReason: null }, 'delivered at the second attempt');
    t.ok(done!.endedAt! >= done!.lastAttemptAt!, 'accepted after the failed attempt');

    const [dropped] = await state.queue('document', message('d-3'), ctx);
    await state.drop(dropped!.transferId, 'the agency closed', ctx);
    t.match(
      await state.progress(dropped!.transferId),
      { status: 'dropped', dropReason: 'the agency closed', attempts: 0 },
      'dropped by an admin',
    );
    t.type((await state.progress(dropped!.transferId))!.endedAt, 'string', 'with the time of the drop');
  },
);
