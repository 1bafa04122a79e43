import t from 'tap';
import { syncGauge } from './sync-gauge.js';

t.test('blocks while fsyncs are fast, stops after a few slow ones, probes, and comes back', async (t) => {
  const gauge = syncGauge({ slowMs: 5, probeEvery: 10 });
  for (let i = 0; i < 100; i++) {
    t.equal(gauge.shouldBlock(), true);
    gauge.note(0.3); // an SSD
  }
  // a disk at 20 ms per put's fsyncs: a few more blocking puts, then through the thread pool
  let blocked = 0;
  while (gauge.shouldBlock() && blocked < 50) {
    gauge.note(20);
    blocked += 1;
  }
  t.ok(blocked >= 1 && blocked <= 5, `stops blocking after ${blocked} slow puts`);
  // one put in ten still blocks (a probe), measured slow again
  const pattern = Array.from({ length: 30 }, () => {
    const block = gauge.shouldBlock();
    if (block) gauge.note(20);
    return block;
  });
  t.equal(pattern.filter(Boolean).length, 3, 'three probes in thirty puts');
  // the disk is fast again: the probes bring blocking back
  let puts = 0;
  for (; puts < 100 && gauge.averageMs >= 5; puts++) if (gauge.shouldBlock()) gauge.note(0.3);
  t.ok(gauge.averageMs < 5, `back under the threshold after ${puts} puts`);
  t.equal(gauge.shouldBlock(), true);
});
