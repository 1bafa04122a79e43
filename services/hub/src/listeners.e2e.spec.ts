import t from 'tap';
import { startTestHub } from '@lienthong/platform/testing';
import { allModules } from './modules.js';

t.test('many concurrent requests against a hub: no MaxListenersExceededWarning', async (t) => {
  const warnings: string[] = [];
  const onWarning = (warning: Error) => void (warning.name === 'MaxListenersExceededWarning' && warnings.push(warning.message));
  process.on('warning', onWarning);
  t.teardown(() => void process.off('warning', onWarning));
  const hub = await startTestHub(allModules);
  t.teardown(() => hub.close());
  await hub.app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(hub.app.server.address() as { port: number }).port}`;
  // Writes wake every bus consumer each time; reads and refusals go through every hook.
  const agency = (i: number) => `000.00.${String(10 + (i % 80)).padStart(2, '0')}.H${String(10 + Math.floor(i / 80)).padStart(2, '0')}`;
  for (let round = 0; round < 3; round++) {
    const statuses = await Promise.all(
      Array.from({ length: 80 }, async (_, i) => {
        const post = await fetch(`${base}/v1/admin/agencies`, {
          method: 'POST',
          headers: { ...hub.admin, 'content-type': 'application/json' },
          body: JSON.stringify({ organId: agency(round * 80 + i), name: `Agency ${round}-${i}` }),
        });
        const read = await fetch(`${base}/v1/agencies`, { headers: hub.admin });
        const refused = await fetch(`${base}/v1/dossiers/nope`, { headers: hub.admin });
        await Promise.all([post.text(), read.text(), refused.text()]);
        return [post.status, read.status];
      }),
    );
    t.strictSame([...new Set(statuses.flat())].sort(), [200, 201], `round ${round + 1}`);
  }
  await new Promise((resolve) => setTimeout(resolve, 500)); // consumers catch up; warnings are emitted on a later tick
  t.strictSame(warnings, []);
});
