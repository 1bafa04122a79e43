import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { childEnv, eventually, tempDir } from '@lienthong/testing';
import { firstDeliveryOrder, increasing, startReceiver } from './test/receiver-process.js';

const CHILD = fileURLToPath(new URL('./test/connectors-child.ts', import.meta.url));
const SECRET = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;
const EVENTS = 300;

function startChild(args: string[], env: Record<string, string> = {}): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    // a short delivery lease: the restarted process waits for the killed one's to run out
    const settings = childEnv({ LT_CONNECTORS_LEASE_MS: '1500', ...env });
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], { env: settings, stdio: ['ignore', 'pipe', 'inherit'] });
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

t.test('two connectors processes on one store: one delivers; kill -9 of it and the other takes over', async (t) => {
  const LEASE_MS = 1500;
  const dir = tempDir(t);
  const receiver = await startReceiver(dir, SECRET);
  t.teardown(() => receiver.close());
  await receiver.control({ delayMs: 15 });
  const dataDir = `${dir}/hub`;
  const seqs = () => new Set(receiver.deliveries().map((d) => (d.body.data as { seq: number }).seq));
  const lease = { LT_CONNECTORS_LEASE_MS: String(LEASE_MS) };

  // the first registers the connector and appends; it takes the lease, the second waits
  const first = await startChild([dataDir, `${receiver.url}/hook`, SECRET, '100'], { ...lease, LT_CHILD_READ_MODELS: 'one' });
  t.teardown(() => kill9(first));
  const second = await startChild([dataDir, `${receiver.url}/hook`, SECRET, '0'], { ...lease, LT_CHILD_READ_MODELS: 'two' });
  t.teardown(() => kill9(second));
  await eventually(() => seqs().size === 100, 30_000, 'the first 100 delivered');
  await new Promise((resolve) => setTimeout(resolve, LEASE_MS * 2)); // renewals go by
  t.equal(receiver.deliveries().length, 100, 'each event delivered once with two processes');

  // more events (from a third process that only appends), then kill -9 of the holder mid-delivery
  await receiver.control({ delayMs: 60 });
  const writer = await startChild([dataDir, `${receiver.url}/hook`, SECRET, '200'], { ...lease, LT_CHILD_READ_MODELS: 'writer' });
  await kill9(writer); // it appended (ready) and may have delivered nothing: it did not hold the lease
  await eventually(() => seqs().size >= 130, 30_000, 'some of the new ones delivered');
  const killedAt = Date.now();
  await kill9(first);
  // what the killed process sent, logged by now (the lease has a second or more to run: nothing from the second yet)
  await new Promise((resolve) => setTimeout(resolve, 200));
  const atKill = receiver.deliveries().length;
  t.ok(seqs().size < 200, `killed mid-delivery (${seqs().size} of 200 delivered)`);
  await eventually(() => receiver.deliveries().length > atKill + 5, 30_000, 'deliveries again');
  const resumedMs = Date.now() - killedAt;
  t.ok(resumedMs < LEASE_MS + 2_000, `the second took over within about the lease time (${resumedMs} ms, lease ${LEASE_MS} ms)`);
  await eventually(() => seqs().size === 200, 60_000, 'all delivered after the takeover');
  t.equal(seqs().size, 200, 'no event lost');
  for (const [stream, order] of firstDeliveryOrder(receiver.deliveries())) t.ok(increasing(order), `${stream} in order`);
  const firstAt = new Map<string, number>();
  const repeats: number[] = [];
  for (const [i, d] of receiver.deliveries().entries()) {
    if (firstAt.has(d.id)) repeats.push(firstAt.get(d.id)!);
    else firstAt.set(d.id, i);
  }
  t.ok(
    repeats.every((i) => i < atKill),
    `duplicates only of events the killed process sent (${repeats.length}: those after its last recorded checkpoint)`,
  );
  t.equal(new Set(repeats).size, repeats.length, 'an event arrives at most twice');
});
