/**
 * A whole hub in its own process for the federation crash spec:
 * `node --import tsx federated-child.ts <organId> <dataDir> <port>`; prints its address, then
 * serves until killed (never outliving the test: it exits when its stdin ends or after 3 minutes).
 */
import { startTestHub } from '@lienthong/platform/testing';
import { allModules } from '../modules.js';

const [organId, dataDir, port] = process.argv.slice(2);
if (!organId || !dataDir || !port) throw new Error('usage: federated-child.ts <organId> <dataDir> <port>');
const hub = await startTestHub(allModules, { dataDir, env: { LT_HUB_ORGAN_ID: organId } });
const address = await hub.app.listen({ port: Number(port), host: '127.0.0.1' });
process.stdout.write(`${address}\n`);
setTimeout(() => process.exit(3), 180_000).unref();
process.stdin.on('end', () => process.exit(4));
process.stdin.resume();
