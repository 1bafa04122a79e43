import t from 'tap';
import { aggregateType } from './aggregate-type.js';
import type { Decider } from './decider.js';

type Added = { type: 'Added'; data: { n: number } };
const counter: Decider<{ total: number }, never, Added> = {
  initialState: () => ({ total: 0 }),
  decide: () => [],
  evolve: (state, event) => ({ total: state.total + event.data.n }),
};

t.test('an aggregate type folds with its decider’s own evolve, from its initial state', async (t) => {
  const type = aggregateType('counter', 'counter-', counter);
  t.match(type, { name: 'counter', streamPrefix: 'counter-' });
  const events = [
    { type: 'Added', data: { n: 2 } },
    { type: 'Added', data: { n: 3 } },
  ];
  t.strictSame(
    events.reduce((s, e) => type.evolve(s, e), type.initialState()),
    { total: 5 },
  );
  t.not(type.initialState(), type.initialState(), 'a fresh state each time');
});
