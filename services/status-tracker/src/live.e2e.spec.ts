import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import t, { type Test } from 'tap';
import WebSocket from 'ws';
import { createLogger } from '@lienthong/service-kit';
import { hostileFrames, metricValue } from '@lienthong/testing';
import { A, B, PROCEDURE, startTrackerHub, type TrackerHub } from './test/helpers.js';

interface Client {
  socket: WebSocket;
  messages: any[];
  /** The next message matching `test` (already received or to come), or a timeout. */
  next(test: (m: any) => boolean, timeoutMs?: number): Promise<any>;
  closed: Promise<number>;
}

/** Opens a board socket; resolves with the client, or with the HTTP status that refused the upgrade. */
function connect(url: string, headers: Record<string, string> = {}, options: WebSocket.ClientOptions = {}): Promise<Client | number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers, ...options });
    const messages: any[] = [];
    const waiters: Array<() => void> = [];
    socket.on('message', (raw) => {
      messages.push(JSON.parse(raw.toString()));
      for (const w of waiters.splice(0)) w();
    });
    const closed = new Promise<number>((r) => socket.on('close', (code) => r(code)));
    socket.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    socket.once('error', reject);
    socket.once('open', () =>
      resolve({
        socket,
        messages,
        closed,
        async next(test, timeoutMs = 5000) {
          const deadline = Date.now() + timeoutMs;
          for (;;) {
            const found = messages.find(test);
            if (found) return found;
            if (Date.now() > deadline) throw new Error('no matching message in time');
            await new Promise<void>((r) => {
              waiters.push(r);
              setTimeout(r, 50);
            });
          }
        },
      }),
    );
  });
}

/** Sockets held by the service's process (0) or handed to board processes; every test runs both ways. */
let boardProcesses = 0;

async function setUp(t: Test, tracker = {}, logger?: ReturnType<typeof createLogger>) {
  const hub = await startTrackerHub({ tracker: { boardProcesses, ...tracker }, ...(logger ? { logger } : {}) });
  t.teardown(() => hub.close());
  await hub.agency(A);
  await hub.agency(B);
  await hub.publishProcedure(PROCEDURE, 3);
  const address = await hub.app.listen({ port: 0, host: '127.0.0.1' });
  return { hub, ws: `${address.replace(/^http/, 'ws')}/v1/track/live` };
}

const asClient = (t: Test, c: Client | number): Client => {
  if (typeof c === 'number') throw new Error(`upgrade refused with ${c}`);
  t.teardown(() => c.socket.terminate());
  return c;
};

async function ticket(hub: TrackerHub, who: Record<string, string>, body: unknown = {}) {
  return hub.inject('POST', '/v1/track/tickets', who, body);
}

for (const processes of [0, 2])
  t.test(processes === 0 ? "sockets in the service's process" : `sockets in ${processes} board processes`, async (t) => {
    t.before(() => {
      boardProcesses = processes;
    });

    t.test('who may open a board: bearer staff of the agency, admins, tickets; refusals before the upgrade', async (t) => {
      const { hub, ws } = await setUp(t);
      const clerkA = await hub.staff(A, ['clerk']);
      const system = await hub.system([A]);

      t.equal(await connect(`${ws}?agencyId=${A}`), 401, 'anonymous');
      t.equal(await connect(`${ws}?agencyId=${A}`, { authorization: 'Bearer lt_staff_nope' }), 401, 'unknown token');
      t.equal(await connect(`${ws}?agencyId=${A}`, system), 403, 'a vendor system');
      t.equal(await connect(`${ws}?agencyId=${B}`, clerkA), 403, 'staff of another agency');
      t.equal(await connect(ws, hub.admin), 400, 'an admin names the agency');
      t.equal(await connect(`${ws}?agencyId=999.99.99.Z99`, hub.admin), 422, 'unknown agency');
      const own = asClient(t, await connect(`${ws}?agencyId=${A}`, clerkA));
      t.equal((await own.next((m) => m.type === 'snapshot')).agencyId, A);
      const byDefault = asClient(t, await connect(ws, clerkA));
      t.equal((await byDefault.next((m) => m.type === 'snapshot')).agencyId, A, 'staff default to their agency');
      const admin = asClient(t, await connect(`${ws}?agencyId=${B}`, hub.admin));
      t.equal((await admin.next((m) => m.type === 'snapshot')).agencyId, B);

      // tickets: staff (own agency) and admin; single use
      t.equal((await ticket(hub, {}, { agencyId: A })).statusCode, 401);
      t.equal((await ticket(hub, system, { agencyId: A })).statusCode, 403);
      t.equal((await ticket(hub, clerkA, { agencyId: B })).statusCode, 403);
      t.equal((await ticket(hub, clerkA, { agencyId: A, extra: 1 })).statusCode, 400);
      const issued = await ticket(hub, clerkA);
      t.equal(issued.statusCode, 201);
      const { ticket: tk, expiresAt, agencyId } = issued.json();
      t.equal(agencyId, A);
      t.match(tk, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/, 'a signed grant');
      const ttl = Date.parse(expiresAt) - Date.now();
      t.ok(ttl > 50_000 && ttl <= 60_000, 'lives 60 s');
      t.equal(issued.headers['cache-control'], 'no-store');
      const byTicket = asClient(t, await connect(`${ws}?ticket=${tk}`));
      t.equal((await byTicket.next((m) => m.type === 'snapshot')).agencyId, A);
      t.equal(await connect(`${ws}?ticket=${tk}`), 401, 'a second use is refused');
      t.equal(await connect(`${ws}?ticket=forged`), 401);
      const forB = (await ticket(hub, hub.admin, { agencyId: B })).json().ticket;
      t.equal(await connect(`${ws}?ticket=${forB}&agencyId=${A}`), 403, 'a ticket for B does not open A');
    });

    t.test('tickets expire', async (t) => {
      const { hub, ws } = await setUp(t, { ticketTtlMs: 150 });
      const clerkA = await hub.staff(A, ['clerk']);
      const { ticket: tk } = (await ticket(hub, clerkA)).json();
      await new Promise((r) => setTimeout(r, 250));
      t.equal(await connect(`${ws}?ticket=${tk}`), 401);
    });

    t.test('the board gets a snapshot of the open dossiers, then every change, live', async (t) => {
      const { hub, ws } = await setUp(t);
      const clerkA = await hub.staff(A, ['clerk']);
      const leaderA = await hub.staff(A, ['leader']);
      const clerkB = await hub.staff(B, ['clerk']);
      const first = await hub.receive(clerkA, A);
      const rejected = await hub.receive(clerkA, A);
      await hub.act(clerkA, rejected.dossierCode, 'reject', { reason: 'sai thủ tục' });

      const boardA = asClient(t, await connect(`${ws}?agencyId=${A}`, clerkA));
      const boardB = asClient(t, await connect(`${ws}?agencyId=${B}`, clerkB));
      const snapshot = await boardA.next((m) => m.type === 'snapshot');
      t.strictSame(
        snapshot.dossiers.map((d: { dossierCode: string }) => d.dossierCode),
        [first.dossierCode],
        'open dossiers only',
      );
      t.match(snapshot.dossiers[0], { status: 'new', statusCode: 1, statusLabel: 'Mới đăng ký', overdue: false, dueAt: first.dueAt });
      t.equal(snapshot.truncated, false);

      const t0 = Date.now();
      await hub.inject('POST', `/v1/dossiers/${first.dossierCode}/actions/accept`, clerkA, {});
      const change = await boardA.next((m) => m.type === 'dossier' && m.statusCode === 2);
      t.ok(Date.now() - t0 < 2000, 'pushed promptly');
      t.match(change, {
        type: 'dossier',
        dossierCode: first.dossierCode,
        agencyId: A,
        status: 'accepted',
        statusLabel: 'Được tiếp nhận',
        dueAt: first.dueAt,
        overdue: false,
        event: 'DossierAccepted',
      });
      t.match(change.at, /^\d{4}-/);

      // a new receipt appears; a transfer reaches both boards
      const second = await hub.receive(clerkA, A);
      t.equal((await boardA.next((m) => m.dossierCode === second.dossierCode)).statusCode, 1);
      await hub.act(leaderA, first.dossierCode, 'transfer', { toAgencyId: B });
      const leftA = await boardA.next((m) => m.event === 'DossierTransferred');
      t.equal(leftA.agencyId, B, 'A learns the dossier left it');
      const arrivedB = await boardB.next((m) => m.event === 'DossierTransferred');
      t.equal(arrivedB.dossierCode, first.dossierCode);
      t.notOk(
        boardB.messages.some((m) => m.dossierCode === second.dossierCode),
        "B never sees A's dossiers",
      );
    });

    t.test('the board survives any frame a client sends: read by nobody, or refused by ws; the hub keeps serving', async (t) => {
      const logs: Array<{ level: number; reason?: string }> = [];
      const logger = createLogger({ level: 'info', destination: { write: (line: string) => void logs.push(JSON.parse(line)) } });
      const { hub, ws } = await setUp(t, {}, logger);
      const clerkA = await hub.staff(A, ['clerk']);
      const address = ws.replace(/^ws/, 'http').replace(/\/v1\/track\/live$/, '');
      // the bound of the process holding the sockets: the service's (1 MiB) or a board process's (64 KiB)
      const frames = [
        ...hostileFrames(processes === 0 ? 1024 * 1024 : 64 * 1024),
        {
          name: "a message of the board's own shape",
          send: (s: WebSocket) => s.send('{"type":"snapshot","agencyId":"x"}'),
          closeCode: undefined,
        },
      ];
      for (const frame of frames) {
        const board = asClient(t, await connect(`${ws}?agencyId=${A}`, clerkA));
        await board.next((m) => m.type === 'snapshot');
        frame.send(board.socket);
        if (frame.closeCode) t.equal(await board.closed, frame.closeCode, `${frame.name}: the socket is closed with ${frame.closeCode}`);
        // the hub still serves: HTTP, and a change reaches a board (the same socket when still open)
        t.equal((await fetch(`${address}/health/live`)).status, 200, `${frame.name}: HTTP still served`);
        const watcher = frame.closeCode ? asClient(t, await connect(`${ws}?agencyId=${A}`, clerkA)) : board;
        await watcher.next((m) => m.type === 'snapshot');
        const { dossierCode } = await hub.receive(clerkA, A);
        await watcher.next((m) => m.type === 'dossier' && m.dossierCode === dossierCode);
        if (!frame.closeCode) t.equal(board.socket.readyState, WebSocket.OPEN, `${frame.name}: ignored, the socket stays open`);
        watcher.socket.close();
        board.socket.close();
      }

      const refused = async (reason: string, expected: number) => {
        // board processes report over IPC, maybe a moment after the socket closed
        for (let i = 0; ; i++) {
          const value = metricValue(await (await fetch(`${address}/metrics`)).text(), 'lt_websocket_frames_refused_total', {
            endpoint: '/v1/track/live',
            reason,
          });
          if (value === expected || i === 20) return value;
          await new Promise((r) => setTimeout(r, 50));
        }
      };
      const oversized = frames.filter((f) => f.closeCode === 1009).length;
      t.equal(await refused('oversized', oversized), oversized, 'every oversized frame is counted');
      const protocol = frames.filter((f) => f.closeCode === 1007 || f.closeCode === 1002).length;
      t.equal(await refused('protocol', protocol), protocol, 'invalid UTF-8 and other protocol errors are counted');
      t.same(
        logs.filter((l) => l.level >= 50),
        [],
        'nothing is logged at error level',
      );
      t.equal(
        logs.filter((l) => l.level === 40 && l.reason === 'oversized').length,
        1,
        'oversized frames are logged at warn, once a minute',
      );
    });

    t.test('a socket that stops answering pings is dropped; one that answers stays', async (t) => {
      const { hub, ws } = await setUp(t, { heartbeatMs: 100 });
      const clerkA = await hub.staff(A, ['clerk']);
      const mute = asClient(t, await connect(`${ws}?agencyId=${A}`, clerkA, { autoPong: false }));
      const alive = asClient(t, await connect(`${ws}?agencyId=${A}`, clerkA));
      const code = await Promise.race([mute.closed, new Promise<number>((r) => setTimeout(() => r(-1), 3000).unref())]);
      t.equal(code, 1006, 'terminated without a close frame');
      t.equal(alive.socket.readyState, WebSocket.OPEN);
    });

    t.test('revoking a staff member ends the boards they opened, by header or by ticket', async (t) => {
      const { hub, ws } = await setUp(t);
      const clerk = await hub.staff(A, ['clerk']);
      const colleague = await hub.staff(A, ['clerk']);
      const byHeader = asClient(t, await connect(ws, { authorization: clerk.authorization }));
      const { ticket: tk } = (await ticket(hub, { authorization: clerk.authorization })).json();
      const byTicket = asClient(t, await connect(`${ws}?ticket=${tk}`));
      const other = asClient(t, await connect(ws, { authorization: colleague.authorization }));
      await Promise.all([byHeader, byTicket, other].map((c) => c.next((m) => m.type === 'snapshot')));
      const { ticket: unused } = (await ticket(hub, { authorization: clerk.authorization })).json();
      t.equal(
        (await hub.inject('POST', `/v1/admin/staff/${clerk.staffId}/revoke`, hub.admin, { reason: 'left the agency' })).statusCode,
        200,
      );
      t.equal(await connect(`${ws}?ticket=${unused}`), 401, 'a ticket issued before the revocation opens nothing after it');
      t.equal(await byHeader.closed, 1008, 'the socket opened with the bearer header is closed');
      t.equal(await byTicket.closed, 1008, 'the socket opened with a ticket the staff member asked for is closed');
      await new Promise((r) => setTimeout(r, 1200));
      t.equal(other.socket.readyState, WebSocket.OPEN, 'a colleague keeps the board');
      t.equal(await connect(ws, { authorization: clerk.authorization }), 401, 'and the revoked token opens nothing');
      const metrics = (await hub.app.inject({ method: 'GET', url: '/metrics' })).body;
      t.match(metrics, /lt_websockets_open\{endpoint="\/v1\/track\/live"\} 1\n/, 'one board socket left open');
      t.match(
        metrics,
        /lt_websockets_dropped_total\{endpoint="\/v1\/track\/live",reason="revoked"\} 2\n/,
        'two ended for revoked credentials',
      );
    });

    t.test('rotating a staff token ends what the old token opened, tickets included, and nothing else', async (t) => {
      const { hub, ws } = await setUp(t);
      const clerk = await hub.staff(A, ['clerk']);
      const { ticket: early } = (await ticket(hub, { authorization: clerk.authorization })).json();
      const old = asClient(t, await connect(ws, { authorization: clerk.authorization }));
      await old.next((m) => m.type === 'snapshot');
      const rotated = await hub.inject('POST', `/v1/admin/staff/${clerk.staffId}/token`, hub.admin);
      t.equal(rotated.statusCode, 201);
      const fresh = { authorization: `Bearer ${rotated.json().token as string}` };
      t.equal(await old.closed, 1008, 'the socket of the old token is closed');
      t.equal(await connect(`${ws}?ticket=${early}`), 401, 'a ticket asked for with the old token is refused');
      const renewed = asClient(t, await connect(ws, fresh));
      await renewed.next((m) => m.type === 'snapshot');
      const { ticket: late } = (await ticket(hub, fresh)).json();
      const byTicket = asClient(t, await connect(`${ws}?ticket=${late}`));
      await byTicket.next((m) => m.type === 'snapshot');
      await hub.agency('000.00.99.H40'); // an unrelated directory change: a sweep, which must keep both
      await hub.inject('POST', `/v1/admin/staff/${(await hub.staff(A, ['clerk'])).staffId}/revoke`, hub.admin);
      await new Promise((r) => setTimeout(r, 1300));
      t.equal(renewed.socket.readyState, WebSocket.OPEN, 'the new token keeps its board');
      t.equal(byTicket.socket.readyState, WebSocket.OPEN);
    });
  });

t.test('a malformed opening handshake is a 400 problem, before any ticket is spent', async (t) => {
  for (const processes of [0, 2]) {
    boardProcesses = processes;
    const { hub, ws } = await setUp(t);
    const clerkA = await hub.staff(A, ['clerk']);
    const { ticket: tk } = (await ticket(hub, clerkA)).json();
    const res = await hub.app.inject({
      method: 'GET',
      url: `/v1/track/live?ticket=${tk}`,
      headers: { connection: 'upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'short' },
    });
    t.equal(res.statusCode, 400, `${processes} processes`);
    t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8');
    t.match(res.json(), { errors: [{ path: 'sec-websocket-key' }] });
    // over the network, without `Connection: Upgrade`: Node serves it as a plain request
    const notUpgraded = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = http.get(
        `${ws.replace(/^ws/, 'http')}?ticket=${tk}`,
        {
          headers: {
            connection: 'keep-alive',
            upgrade: 'websocket',
            'sec-websocket-version': '13',
            'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
          },
        },
        (response) => {
          let body = '';
          response.on('data', (chunk) => (body += chunk));
          response.on('end', () => resolve({ status: response.statusCode!, body }));
        },
      );
      request.on('error', reject);
    });
    t.equal(notUpgraded.status, 400, 'a plain request with WebSocket headers is not handed anywhere');
    t.match(JSON.parse(notUpgraded.body), { errors: [{ path: 'connection' }] });
    t.strictSame(boardProcessPids(), [], 'no board process started for it');
    t.ok(asClient(t, await connect(`${ws}?ticket=${tk}`)), 'the ticket still opens the board');
  }
});

/** The board processes this test process started (Linux: read from /proc). */
function boardProcessPids(): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((pid) => {
      try {
        const status = readFileSync(`/proc/${pid}/status`, 'utf8');
        return status.includes(`\nPPid:\t${process.pid}\n`) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('board-process.ts');
      } catch {
        return false; // gone meanwhile
      }
    })
    .map(Number);
}

t.test('board processes: sockets spread over them; one killed takes only its own sockets, and is replaced', async (t) => {
  boardProcesses = 2;
  const { hub, ws } = await setUp(t);
  const clerkA = await hub.staff(A, ['clerk']);
  const dossier = await hub.receive(clerkA, A);
  t.strictSame(boardProcessPids(), [], 'none before the first socket');
  const clients = [];
  for (let i = 0; i < 4; i++) clients.push(asClient(t, await connect(`${ws}?agencyId=${A}`, clerkA)));
  await Promise.all(clients.map((c) => c.next((m) => m.type === 'snapshot')));
  const pids = boardProcessPids();
  t.equal(pids.length, 2, 'two processes hold the four sockets');

  process.kill(pids[0]!, 'SIGKILL');
  const outcomes = await Promise.all(
    clients.map((c) => Promise.race([c.closed, new Promise<number>((r) => setTimeout(() => r(-1), 1500).unref())])),
  );
  t.strictSame(outcomes.filter((code) => code === 1006).length, 2, 'the two sockets of the killed process are cut');
  t.strictSame(outcomes.filter((code) => code === -1).length, 2, 'the other two stay open');
  const survivors = clients.filter((_, k) => outcomes[k] === -1);

  await hub.act(clerkA, dossier.dossierCode, 'accept');
  for (const c of survivors)
    t.equal((await c.next((m) => m.type === 'dossier')).status, 'accepted', 'a change still reaches the survivors');
  const reopened = asClient(t, await connect(`${ws}?agencyId=${A}`, clerkA));
  t.equal((await reopened.next((m) => m.type === 'snapshot')).dossiers[0].status, 'accepted', 'a new socket opens in a replacement');
  t.equal(boardProcessPids().length, 2);
  t.notOk(boardProcessPids().includes(pids[0]!));
  const metrics = (await hub.app.inject({ method: 'GET', url: '/metrics' })).body;
  t.match(metrics, /lt_websockets_open\{endpoint="\/v1\/track\/live"\} 3\n/, 'the killed sockets are no longer counted');
});

t.test(
  'board processes: closing the hub sends every socket a close frame (1001) and stops the processes, also after one died',
  async (t) => {
    boardProcesses = 2;
    const hub = await startTrackerHub({ tracker: { boardProcesses } });
    let closed = false;
    t.teardown(() => (closed ? undefined : hub.close()));
    await hub.agency(A);
    const clerkA = await hub.staff(A, ['clerk']);
    const address = await hub.app.listen({ port: 0, host: '127.0.0.1' });
    const clients = [];
    for (let i = 0; i < 4; i++) clients.push(asClient(t, await connect(`${address.replace(/^http/, 'ws')}/v1/track/live`, clerkA)));
    await Promise.all(clients.map((c) => c.next((m) => m.type === 'snapshot')));
    const pids = boardProcessPids();
    t.equal(pids.length, 2);
    // (Node's own tracking of sockets sent to children would wait forever for a dead one here)
    process.kill(pids[0]!, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 300));
    await hub.close();
    closed = true;
    t.strictSame((await Promise.all(clients.map((c) => c.closed))).sort(), [1001, 1001, 1006, 1006]);
    t.strictSame(boardProcessPids(), [], 'no board process left');
  },
);

t.test('board processes: sockets being handed to a process that dies are closed, not left waiting', async (t) => {
  boardProcesses = 1;
  const { hub, ws } = await setUp(t);
  const clerkA = await hub.staff(A, ['clerk']);
  const first = asClient(t, await connect(`${ws}?agencyId=${A}`, clerkA));
  await first.next((m) => m.type === 'snapshot');
  const [pid] = boardProcessPids();
  process.kill(pid!, 'SIGSTOP'); // it takes no more sockets: the next ones wait in the hand-over
  const waiting = [1, 2, 3].map(() =>
    connect(`${ws}?agencyId=${A}`, clerkA).then(
      (c) => (typeof c === 'number' ? c : (c.socket.terminate(), 'opened')),
      () => 'failed',
    ),
  );
  await new Promise((r) => setTimeout(r, 500));
  process.kill(pid!, 'SIGKILL');
  const outcomes = await Promise.race([Promise.all(waiting), new Promise((r) => setTimeout(() => r('still waiting'), 5000).unref())]);
  t.strictSame(outcomes, ['failed', 'failed', 'failed'], 'each waiting client sees its connection closed');
  t.equal(await first.closed, 1006);
  const again = asClient(t, await connect(`${ws}?agencyId=${A}`, clerkA));
  t.equal((await again.next((m) => m.type === 'snapshot')).agencyId, A, 'a replacement takes new sockets');
  const metrics = (await hub.app.inject({ method: 'GET', url: '/metrics' })).body;
  t.match(metrics, /lt_websockets_open\{endpoint="\/v1\/track\/live"\} 1\n/, 'only the new socket is counted');
});
