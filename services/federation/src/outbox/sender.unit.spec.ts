import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import type { Logger } from '@lienthong/service-kit';
import type { PeerData } from '../events.js';
import type { FederationState, PendingTransfer } from '../federation-state.js';
import type { FederationMetrics } from './metrics.js';
import { startSender } from './sender.js';

/** A peer on loopback that answers 202 at once and notes, per request, how many outcomes were recorded by then. */
async function peerHub(recorded: () => number): Promise<{ server: Server; url: string; seen: number[] }> {
  const seen: number[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      seen.push(recorded());
      res.writeHead(202).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

/** The sender's view of the outbox: `count` transfers to one peer; each delivery is recorded `recordMs` after it is asked for. */
function outbox(baseUrl: string, count: number, recordMs: number, edxmlOf: ((i: number) => string) | 'by-reference' = () => '<edXML/>') {
  const peer: PeerData = { peerId: 'b', name: 'B', baseUrl, keyId: 'k', publicKey: 'AA', routes: ['*'], kind: 'hub' };
  const pending = new Map<string, PendingTransfer>();
  for (let i = 0; i < count; i++) {
    const transferId = `t${i}`;
    pending.set(transferId, {
      status: 'pending',
      transfer: {
        transferId,
        peerId: 'b',
        kind: 'document',
        origin: 'A',
        documentId: `d${i}`,
        recipients: ['x.H42'],
        // none held: queued by reference before a restart, rendered from its source when it goes
        ...(edxmlOf === 'by-reference' ? { source: `s${i}` } : { edxml: edxmlOf(i) }),
      },
      attempts: 0,
      nextAttemptAt: null,
      lastError: null,
      queuedAt: Date.now(),
      revision: 0,
    });
  }
  /** The turn of the event loop each record was asked for in (counted by a setImmediate chain). */
  const askedInTurn: number[] = [];
  let turn = 0;
  let turning = true;
  const spin = () => {
    turn += 1;
    if (turning) setImmediate(spin);
  };
  spin();
  let recorded = 0;
  const state = {
    activePeers: () => [peer],
    peer: () => ({ status: 'active', peer }),
    pending: () => [...pending.values()],
    body: (id: string) => {
      const edxml = pending.get(id)?.transfer.edxml;
      return edxml === undefined ? undefined : Buffer.from(edxml, 'utf8');
    },
    recordDelivery: async (transferId: string) => {
      askedInTurn.push(turn);
      await new Promise((r) => setTimeout(r, recordMs));
      pending.delete(transferId);
      recorded += 1;
    },
    recordAttempt: () => Promise.reject(new Error('no transfer fails here')),
  } as unknown as FederationState;
  return {
    state,
    askedInTurn,
    recorded: () => recorded,
    stopTurning: () => {
      turning = false;
    },
  };
}

const key = { keyId: 'k', privateKey: generateKeyPairSync('ed25519').privateKey };
const logger = { warn: () => undefined, error: () => undefined } as unknown as Logger;
const metrics = { latency: { observe: () => undefined }, failures: { inc: () => undefined } } as unknown as FederationMetrics;

async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

t.test("a peer's slot is free once it answered: the next transfers go while the outcomes are appended", async (t) => {
  let recorded = () => 0;
  const peer = await peerHub(() => recorded());
  t.teardown(() => new Promise<void>((r) => peer.server.close(() => r())));
  const box = outbox(peer.url, 8, 1000);
  recorded = box.recorded;
  const sender = startSender({ state: box.state, key, logger, metrics, concurrency: 2, recordBatchMs: 0 });
  t.teardown(() => {
    box.stopTurning();
    return sender.stop();
  });
  await until(() => peer.seen.length === 8);
  // with the slot held until the record (1 s each), only 2 could have gone before the first outcome
  t.same(peer.seen, [0, 0, 0, 0, 0, 0, 0, 0], 'all 8 sent, 2 at a time, before any outcome was recorded');
  await until(() => box.recorded() === 8);
  t.equal(box.state.pending().length, 0, 'every transfer recorded delivered, each once');
  t.equal(box.askedInTurn.length, 8);
});

t.test('deliveries that end within the batch window are recorded in one turn (one group commit)', async (t) => {
  const peer = await peerHub(() => 0);
  t.teardown(() => new Promise<void>((r) => peer.server.close(() => r())));
  const box = outbox(peer.url, 6, 10);
  const sender = startSender({ state: box.state, key, logger, metrics, concurrency: 6, recordBatchMs: 2000 });
  t.teardown(() => {
    box.stopTurning();
    return sender.stop();
  });
  await until(() => box.recorded() === 6);
  t.equal(peer.seen.length, 6, 'each transfer posted once');
  // 6 answers = the concurrency: the batch goes at once, without waiting for the 2 s window
  t.equal(new Set(box.askedInTurn).size, 1, `all 6 records asked for in one turn (turns ${box.askedInTurn.join(', ')})`);
});

t.test('a lone delivery is recorded when the window closes, and stop() records what waits', async (t) => {
  const peer = await peerHub(() => 0);
  t.teardown(() => new Promise<void>((r) => peer.server.close(() => r())));
  const box = outbox(peer.url, 1, 0);
  const sender = startSender({ state: box.state, key, logger, metrics, concurrency: 4, recordBatchMs: 60_000 });
  box.stopTurning();
  await until(() => peer.seen.length === 1);
  await new Promise((r) => setTimeout(r, 50));
  t.equal(box.recorded(), 0, 'still waiting for others to share its commit');
  await sender.stop();
  t.equal(box.recorded(), 1, 'stop() appended it');
});

t.test('bytes in flight per peer are bounded: a transfer waits for room, one larger than the budget goes alone', async (t) => {
  // a peer that answers 200 ms after each body ends, noting what was in flight at once
  const KB = 1024;
  let smallInFlight = 0;
  let mostSmall = 0;
  let smallBesideLarge = 0;
  const sizes: number[] = [];
  const server = createServer((req, res) => {
    let size = 0;
    req.on('data', (chunk: Buffer) => (size += chunk.length));
    req.on('end', () => {
      sizes.push(size);
      const large = size > 50 * KB;
      if (large) smallBesideLarge = Math.max(smallBesideLarge, smallInFlight);
      else mostSmall = Math.max(mostSmall, ++smallInFlight);
      setTimeout(() => {
        if (!large) smallInFlight -= 1;
        res.writeHead(202).end('{}');
      }, 200);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // six of 10 KB, then one of 100 KB, then two of 10 KB; a budget of 25 KB and 8 slots
  const box = outbox(url, 9, 0, (i) => 'x'.repeat(i === 6 ? 100 * KB : 10 * KB));
  const sender = startSender({ state: box.state, key, logger, metrics, concurrency: 8, recordBatchMs: 0, maxInFlightBytes: 25 * KB });
  t.teardown(() => {
    box.stopTurning();
    return sender.stop();
  });
  await until(() => box.recorded() === 9);
  t.equal(sizes.length, 9, 'every transfer sent once');
  t.equal(mostSmall, 2, 'two 10 KB transfers at once, never three (25 KB), though 8 slots were free');
  t.equal(smallBesideLarge, 0, 'the 100 KB one (over the budget) went alone');
  t.equal(sizes.indexOf(100 * KB), 6, 'in its turn: nothing behind it overtook it');
});

t.test('the budget counts the UTF-8 bytes sent, not characters: Vietnamese text weighs three times its length', async (t) => {
  const KB = 1024;
  let inFlight = 0;
  let most = 0;
  const sizes: number[] = [];
  const server = createServer((req, res) => {
    inFlight += 1;
    most = Math.max(most, inFlight);
    let size = 0;
    req.on('data', (chunk: Buffer) => (size += chunk.length));
    req.on('end', () => {
      sizes.push(size);
      setTimeout(() => {
        inFlight -= 1;
        res.writeHead(202).end('{}');
      }, 200);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // 4,000 characters of "ệ" (3 bytes each): 12,000 bytes; a 25 KB budget holds two, not six
  const box = outbox(url, 6, 0, () => 'ệ'.repeat(4000));
  const sender = startSender({ state: box.state, key, logger, metrics, concurrency: 8, recordBatchMs: 0, maxInFlightBytes: 25 * KB });
  t.teardown(() => {
    box.stopTurning();
    return sender.stop();
  });
  await until(() => box.recorded() === 6);
  t.same(sizes, Array(6).fill(12_000), 'each body is 12,000 bytes on the wire');
  t.equal(most, 2, 'two at once (24,000 bytes), never three, though 4,000 characters each would have let six go');
});

t.test('transfers whose edXML is not held (after a restart) start at most 16 together, then by their rendered size', async (t) => {
  const KB = 1024;
  let inFlight = 0;
  let most = 0;
  const server = createServer((req, res) => {
    inFlight += 1;
    most = Math.max(most, inFlight);
    req.resume();
    req.on('end', () =>
      setTimeout(() => {
        inFlight -= 1;
        res.writeHead(202).end('{}');
      }, 200),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const box = outbox(url, 40, 0, 'by-reference');
  const rendered: string[] = [];
  const render = async (source: string) => {
    rendered.push(source);
    return 'x'.repeat(10 * KB);
  };
  // 64 slots; a 64 KB budget counts an unknown body as 4 KB: 16 start, then each weighs 10 KB
  const sender = startSender({
    state: box.state,
    key,
    logger,
    metrics,
    concurrency: 64,
    recordBatchMs: 0,
    maxInFlightBytes: 64 * KB,
    render,
  });
  t.teardown(() => {
    box.stopTurning();
    return sender.stop();
  });
  await until(() => box.recorded() === 40);
  t.equal(rendered.length, 40, 'each rendered once');
  t.ok(most <= 16, `at most 16 in flight at once though 64 slots were free (${most})`);
  t.ok(most >= 2, `several went together (${most})`);
});

t.test(
  'a peer that takes the body and never answers: the attempt ends at the timeout, recorded as such, and its slot is free again',
  async (t) => {
    const held: ServerResponse[] = [];
    const server = createServer((req, res) => {
      req.resume();
      held.push(res); // no answer
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    t.teardown(() => {
      for (const res of held) res.destroy();
      return new Promise<void>((r) => server.close(() => r()));
    });
    const box = outbox(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, 2, 0);
    const attempts: { transferId: string; reason: string; detail: string }[] = [];
    // as the real state does: a failed transfer waits for its next attempt, so the slot goes to the next one
    (box.state as unknown as { recordAttempt: unknown }).recordAttempt = async (
      transferId: string,
      data: { reason: string; detail: string; nextAttemptAt: string },
    ): Promise<void> => {
      attempts.push({ transferId, reason: data.reason, detail: data.detail });
      const failed = box.state.pending().find((p) => p.transfer.transferId === transferId) as { nextAttemptAt: string | null } | undefined;
      if (failed) failed.nextAttemptAt = data.nextAttemptAt;
    };
    const started = Date.now();
    const sender = startSender({ state: box.state, key, logger, metrics, concurrency: 1, recordBatchMs: 0, timeoutMs: 150 });
    t.teardown(() => {
      box.stopTurning();
      return sender.stop();
    });
    await until(() => attempts.length >= 2);
    t.ok(Date.now() - started >= 300, 'each waited its 150 ms, one after the other through the one slot');
    t.same(
      attempts.map((a) => [a.transferId, a.reason]),
      [
        ['t0', 'timeout'],
        ['t1', 'timeout'],
      ],
      'the second transfer went once the first timed out',
    );
    t.match(attempts[0]!.detail, /150 ms/, 'the detail says how long it waited');
    t.equal(held.length, 2, 'both bodies reached the peer, each once');
  },
);
