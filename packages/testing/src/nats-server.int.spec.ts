import t from 'tap';
import { existsSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { requireNatsServer, startNatsServer, tempDir } from './index.js';

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
