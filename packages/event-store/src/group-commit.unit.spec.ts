import t from 'tap';
import { GroupCommit, type GroupCommitOptions, type Outcome } from './group-commit.js';

/** A group commit over numbers: odd ones fail on their own, `failWhole` fails the transaction. */
function harness(overrides: Partial<GroupCommitOptions<number, string>> = {}) {
  const batches: number[][] = [];
  const state = { held: false, failWhole: false };
  const commits = new GroupCommit<number, string>({
    commit: (batch, outcomes: Outcome<string>[]) => {
      batches.push([...batch]);
      for (const n of batch) outcomes.push(n % 2 === 0 ? { ok: true, result: `#${n}` } : { ok: false, error: new Error(`odd ${n}`) });
      if (state.failWhole) throw new Error('transaction failed');
    },
    durable: () => {},
    held: () => state.held,
    closedError: () => new Error('closed'),
    ...overrides,
  });
  return { commits, batches, state };
}

const settled = <T>(p: Promise<T>) =>
  p.then(
    (value) => ({ value }),
    (error: Error) => ({ error: error.message }),
  );

t.test('items submitted in one turn commit in one batch; each gets its own outcome', async (t) => {
  const h = harness();
  const results = await Promise.all([0, 1, 2].map((n) => settled(h.commits.submit(n))));
  t.same(h.batches, [[0, 1, 2]]);
  t.same(results, [{ value: '#0' }, { error: 'odd 1' }, { value: '#2' }]);
  await h.commits.submit(4);
  t.same(h.batches, [[0, 1, 2], [4]], 'a later turn is a new batch');
});

t.test('a failed transaction rejects every item, with its own failure where it had one', async (t) => {
  const h = harness();
  h.state.failWhole = true;
  const results = await Promise.all([0, 1].map((n) => settled(h.commits.submit(n))));
  t.same(results, [{ error: 'transaction failed' }, { error: 'odd 1' }]);
});

t.test('while held, items queue and commit together on release', async (t) => {
  const h = harness();
  h.state.held = true;
  const first = h.commits.submit(0);
  await new Promise((resolve) => setImmediate(resolve));
  const second = h.commits.submit(2);
  await new Promise((resolve) => setImmediate(resolve));
  t.same(h.batches, [], 'nothing committed while held');
  h.commits.release();
  t.same(h.batches, [], 'release while still held commits nothing');
  h.state.held = false;
  h.commits.release();
  t.same(await Promise.all([first, second]), ['#0', '#2']);
  t.same(h.batches, [[0, 2]]);
});

t.test('items settle only once the batch is durable; a failed sync rejects them all', async (t) => {
  let finish!: (error?: Error) => void;
  const h = harness({ durable: () => new Promise<void>((resolve, reject) => (finish = (e) => (e ? reject(e) : resolve()))) });
  let done = false;
  const p = h.commits.submit(0).finally(() => (done = true));
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
  t.equal(h.batches.length, 1, 'committed');
  t.notOk(done, 'not resolved before the sync');
  finish();
  t.equal(await p, '#0');
  const q = settled(h.commits.submit(2));
  await new Promise((resolve) => setImmediate(resolve));
  finish(new Error('fsync failed'));
  t.same(await q, { error: 'fsync failed' });
  const thrown = harness({
    durable: () => {
      throw new Error('inline fsync failed');
    },
  });
  t.same(await settled(thrown.commits.submit(0)), { error: 'inline fsync failed' });
});

t.test('close commits what is queued even while held; later items are refused', async (t) => {
  const h = harness();
  h.state.held = true;
  const queued = h.commits.submit(0);
  h.commits.close();
  t.equal(await queued, '#0');
  t.same(await settled(h.commits.submit(2)), { error: 'closed' });
});
