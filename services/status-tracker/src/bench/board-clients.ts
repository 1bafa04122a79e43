/**
 * Child process of `scripts/bench/tracker.bench.ts`: opens many board sockets (its own file
 * descriptors, so the server's limit is not shared), then records when each message arrives.
 * Parent → child: {type:'open', url, authorization, count}, {type:'report'}, {type:'exit'};
 * child → parent: {type:'opened', count, failed, ms}, {type:'arrivals', times: number[][], sample: the first change received}.
 */
import WebSocket from 'ws';

const now = () => performance.timeOrigin + performance.now();
const sockets: WebSocket[] = [];
/** Per change (in arrival order of `dossier` messages), the epoch ms each socket saw it. */
const arrivals: number[][] = [];
const seen = new Map<WebSocket, number>();
let sample = '';

async function open(url: string, authorization: string, count: number): Promise<{ failed: number }> {
  let failed = 0;
  let next = 0;
  const one = () =>
    new Promise<void>((resolve) => {
      const socket = new WebSocket(url, { headers: authorization ? { authorization } : {}, perMessageDeflate: false });
      socket.on('message', (raw: Buffer) => {
        // No JSON parse: the receipt time is what is measured, and this process is on the clock too.
        if (!raw.subarray(0, 20).toString('latin1').startsWith('{"type":"dossier"')) return;
        if (!sample) sample = raw.toString();
        const i = seen.get(socket) ?? 0;
        seen.set(socket, i + 1);
        (arrivals[i] ??= []).push(now());
      });
      socket.once('open', () => {
        sockets.push(socket);
        resolve();
      });
      socket.once('error', () => {
        failed++;
        resolve();
      });
    });
  // A few hundred handshakes in flight at a time: the listen backlog stays small.
  await Promise.all(
    Array.from({ length: 200 }, async () => {
      while (next < count) {
        next++;
        await one();
      }
    }),
  );
  return { failed };
}

process.on('message', (message: { type: string; url?: string; authorization?: string; count?: number }) => {
  if (message.type === 'open') {
    const t0 = now();
    void open(message.url!, message.authorization!, message.count!).then(({ failed }) =>
      process.send!({ type: 'opened', count: sockets.length, failed, ms: now() - t0 }),
    );
  } else if (message.type === 'report') {
    process.send!({ type: 'arrivals', times: arrivals, sample });
  } else if (message.type === 'exit') {
    for (const s of sockets) s.terminate();
    process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
