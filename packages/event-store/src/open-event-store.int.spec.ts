import { execFile } from 'node:child_process';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { tempDir } from '@lienthong/testing';
import t from 'tap';
import { openEventStore } from './open-event-store.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

// A fresh process imports the package by name and counts the loaded @eventstore/db-client
// files (CommonJS, so they sit in require.cache even when imported from ES modules): none after
// a SQLite store, some after an esdb:// one (which proves the count sees them). Creating the
// EventStoreDB client does not connect.
const script = (dataDir: string) => `(async () => {
  const loaded = () => Object.keys(require.cache).filter((file) => file.includes('@eventstore')).length;
  const { openEventStore } = await import('@lienthong/event-store');
  const sqlite = await openEventStore({ dataDir: ${JSON.stringify(dataDir)}, sync: 'normal' });
  await sqlite.close();
  const afterSqlite = loaded();
  const esdb = await openEventStore({ url: 'esdb://localhost:2113?tls=false', dataDir: ${JSON.stringify(dataDir)} });
  await esdb.close();
  console.log(JSON.stringify({ afterSqlite, afterEsdb: loaded() }));
})();`;

t.test('openEventStore loads the EventStoreDB client only for esdb:// URLs', async (t) => {
  const dataDir = tempDir(t);
  const stdout = await new Promise<string>((done, fail) =>
    execFile(process.execPath, ['--import', 'tsx', '-e', script(dataDir)], { cwd: packageDir, timeout: 60_000 }, (error, out, stderr) =>
      error ? fail(new Error(`${error.message}\n${stderr}`)) : done(out),
    ),
  );
  const { afterSqlite, afterEsdb } = JSON.parse(stdout) as { afterSqlite: number; afterEsdb: number };
  t.equal(afterSqlite, 0, 'a SQLite store loads none of @eventstore/db-client');
  t.ok(afterEsdb > 0, 'an esdb:// store loads it');
});

t.test("a PostgreSQL store's operation timeout is the one given (LT_EVENTSTORE_TIMEOUT_S), not the default 7 s", async (t) => {
  // a server that takes the connection and never answers: only the operation timeout ends the wait
  const sockets = new Set<Socket>();
  const silent = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((ready) => silent.listen(0, '127.0.0.1', ready));
  t.teardown(() => {
    for (const socket of sockets) socket.destroy();
    return new Promise<void>((closed) => silent.close(() => closed()));
  });
  const { port } = silent.address() as AddressInfo;
  const store = await openEventStore({ url: `postgres://lt@127.0.0.1:${port}/lt`, dataDir: tempDir(t), operationTimeoutMs: 600 });
  t.teardown(() => store.close().catch(() => undefined));
  const started = performance.now();
  await t.rejects(store.readStream('any-stream'), { name: 'StoreUnavailableError' });
  const waited = performance.now() - started;
  t.ok(waited >= 550 && waited < 3_000, `failed after the 600 ms given, not the default 7 s (${Math.round(waited)} ms)`);
});
