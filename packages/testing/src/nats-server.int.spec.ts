import t from 'tap';
import { existsSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { requireNatsServer, startNatsCluster, startNatsServer, tempDir } from './index.js';

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = netConnect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

t.test('tempDir is removed on teardown', async (t) => {
  let dir = '';
  await t.test('inner', async (t) => {
    dir = tempDir(t);
    t.ok(existsSync(dir));
  });
  t.notOk(existsSync(dir), 'removed after the subtest ended');
});

t.test('nats-server starts, restarts on the same port, stops', async (t) => {
  if (!requireNatsServer(t)) return;
  const storeDir = tempDir(t);
  const server = await startNatsServer({ jetstream: true, storeDir });
  t.teardown(() => server.stop());
  t.match(server.url, /^nats:\/\/127\.0\.0\.1:\d+$/);
  t.ok(await canConnect(server.port), 'accepts connections');
  await server.stop();
  t.notOk(await canConnect(server.port), 'closed after stop');
  await server.restart();
  t.ok(await canConnect(server.port), 'accepts again after restart, same port');
  t.ok(existsSync(`${storeDir}/jetstream`), 'uses the given store dir');
  await server.kill();
  t.notOk(await canConnect(server.port), 'closed after kill');
});

t.test('a 3-node JetStream cluster: a meta leader, a node killed and restarted', async (t) => {
  if (!requireNatsServer(t)) return;
  const cluster = await startNatsCluster();
  t.teardown(() => cluster.stop());
  t.equal(cluster.urls.length, 3);
  t.same(new Set(cluster.nodes.map((n) => n.name)), new Set(['n1', 'n2', 'n3']));
  for (const node of cluster.nodes) t.ok(await canConnect(node.port), `${node.name} accepts connections`);
  const leader = await cluster.metaLeader();
  t.ok(leader, 'JetStream elected a meta leader');
  await leader!.kill();
  t.notOk(await canConnect(leader!.port), 'the leader is down');
  await cluster.waitForJetStream(15_000);
  const next = await cluster.metaLeader();
  t.ok(next && next !== leader, `another node leads (${next?.name})`);
  await leader!.restart();
  t.ok(await canConnect(leader!.port), 'the killed node is back on its port');
  t.ok(existsSync(`${leader!.storeDir}/jetstream`), 'with its own store directory');
});
