/** A hub in its own process for crash tests: `node --import tsx crash-child.ts <dataDir>`; prints its address, then serves until killed. */
import { startRoutingHub } from './helpers.js';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: crash-child.ts <dataDir>');
const hub = await startRoutingHub({ dataDir });
const address = await hub.app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`${address}\n`);
// Never outlive the test that started it.
setTimeout(() => process.exit(3), 60_000).unref();
process.stdin.on('end', () => process.exit(4));
process.stdin.resume();
