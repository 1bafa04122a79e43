import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { childEnv, eventually, tempDir } from '@lienthong/testing';
import { firstDeliveryOrder, increasing, startReceiver } from './test/receiver-process.js';

const CHILD = fileURLToPath(new URL('./test/connectors-child.ts', import.meta.url));
const SECRET = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;
const EVENTS = 300;

function startChild(args: string[]): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], { env: childEnv({}), stdio: ['ignore', 'pipe', 'inherit'] });
    const timer = setTimeout(() => reject(new Error('child not ready')), 60_000);
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.once('exit', (code) => reject(new Error(`child exited ${code}`)));
  });
}

async function kill9(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

t.test('connectors killed with -9 mid-delivery lose nothing and keep each dossier in order', async (t) => {
  const dir = tempDir(t);
  const receiver = await startReceiver(dir, SECRET);
  t.teardown(() => receiver.close());
  await receiver.control({ delayMs: 15, failFirst: 1 });
  const dataDir = `${dir}/hub`;
  const seqs = () => new Set(receiver.deliveries().map((d) => (d.body.data as { seq: number }).seq));

  const first = await startChild([dataDir, `${receiver.url}/hook`, SECRET, String(EVENTS)]);
  t.teardown(() => kill9(first));
  await eventually(() => seqs().size >= 60, 30_000, 'some delivered');
  await kill9(first);
  const beforeRestart = seqs().size;
  t.ok(beforeRestart < EVENTS, `killed mid-delivery (${beforeRestart} of ${EVENTS} delivered)`);

  const second = await startChild([dataDir, `${receiver.url}/hook`, SECRET, '0']);
  t.teardown(() => kill9(second));
  await eventually(() => seqs().size === EVENTS, 60_000, 'all delivered after the restart');
  t.equal(seqs().size, EVENTS, 'every event delivered at least once');
  for (const [stream, order] of firstDeliveryOrder(receiver.deliveries())) t.ok(increasing(order), `${stream} in order`);
  t.ok(
    receiver.deliveries().every((d) => d.verified),
    'signatures verify',
  );
});
