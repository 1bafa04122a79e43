/**
 * Test helper run as its own process: starts and stops a counters projection runner on a shared
 * directory `rounds` times, as services and CLI commands on one data directory do.
 * Usage: start-runners.ts <events.sqlite> <projections dir> <rounds>
 */
import { createSqliteEventStore } from '@lienthong/event-store';
import { createProjectionRunner } from '../runner.js';
import { counterProjection } from './counter-projection.js';

const [file, dir, rounds] = process.argv.slice(2);
const store = createSqliteEventStore({ file: file! });
for (let round = 0; round < Number(rounds); round++) {
  const runner = createProjectionRunner({ projection: counterProjection(), store, dir: dir! });
  await runner.start();
  await runner.waitFor(await store.headPosition());
  await runner.stop();
}
await store.close();
