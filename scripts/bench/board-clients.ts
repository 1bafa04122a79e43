/**
 * Child process of `scripts/bench/tracker.bench.ts`: opens many board sockets (its own file
 * descriptors, so the server's limit is not shared), then records when each message arrives.
 * Parent → child: {type:'open', url, authorization, count}, {type:'report'}, {type:'exit'};
 * child → parent: {type:'opened', count, failed, ms}, {type:'arrivals', times: number[][], sample: the first change
 * received, protocolErrors: sockets cut for a frame a server must not send}.
 *
 * The sockets are plain TCP connections speaking just enough WebSocket for a board: the opening
 * handshake (checked), whole unmasked frames from the server read in place (a read may hold
 * several or part of one; a masked or fragmented frame is a protocol error), pings answered,
 * a close answered. This process shares the machine's cores with the server and is on
 * the clock: a full client library per socket would measure the client more than the server.
 */
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';

const now = () => performance.timeOrigin + performance.now();
const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const CHANGE = Buffer.from('{"type":"dossier"');
const EMPTY = Buffer.alloc(0);
const sockets: net.Socket[] = [];
/** Per change (in arrival order of `dossier` messages), the epoch ms each socket saw it. */
const arrivals: number[][] = [];
let sample = '';
let protocolErrors = 0;
/** One read buffer for every socket: data is handled before the next read. */
const readBuffer = Buffer.allocUnsafe(256 * 1024);

/** A masked control frame (clients mask every frame; a zero key leaves the payload as is). */
const control = (opcode: number, payload: Buffer) =>
  Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | payload.length, 0, 0, 0, 0]), payload]);

function openOne(url: URL, authorization: string): Promise<boolean> {
  return new Promise((resolve) => {
    const key = randomBytes(16).toString('base64');
    const accept = createHash('sha1')
      .update(key + GUID)
      .digest('base64');
    let handshake: Buffer | undefined = Buffer.alloc(0);
    let pending = EMPTY;
    let changesSeen = 0;
    const frames = (data: Buffer) => {
      let at = 0;
      while (data.length - at >= 2) {
        const opcode = data[at]! & 0x0f;
        // Servers send whole messages, unmasked; the board's are never fragmented.
        if ((data[at]! & 0x80) === 0 || opcode === 0x0 || (data[at + 1]! & 0x80) !== 0) {
          protocolErrors++;
          socket.destroy();
          return;
        }
        let length = data[at + 1]! & 0x7f;
        let header = 2;
        if (length === 126) {
          if (data.length - at < 4) break;
          length = data.readUInt16BE(at + 2);
          header = 4;
        } else if (length === 127) {
          if (data.length - at < 10) break;
          length = Number(data.readBigUInt64BE(at + 2));
          header = 10;
        }
        if (data.length - at < header + length) break;
        const start = at + header;
        at = start + length;
        if (opcode === 0x1 && length >= CHANGE.length && data.compare(CHANGE, 0, CHANGE.length, start, start + CHANGE.length) === 0) {
          (arrivals[changesSeen++] ??= []).push(now());
          if (!sample) sample = data.toString('utf8', start, at);
        } else if (opcode === 0x9) socket.write(control(0xa, Buffer.from(data.subarray(start, at))));
        else if (opcode === 0x8) socket.end(control(0x8, Buffer.from(data.subarray(start, Math.min(at, start + 2)))));
      }
      // Keep what is left of a frame (copied: the read buffer is reused).
      pending = at === data.length ? EMPTY : Buffer.from(data.subarray(at));
    };
    const socket = net.connect({
      host: url.hostname,
      port: Number(url.port),
      onread: {
        buffer: readBuffer,
        callback: (n) => {
          const chunk = readBuffer.subarray(0, n);
          if (handshake) {
            handshake = Buffer.concat([handshake, chunk]);
            const end = handshake.indexOf('\r\n\r\n');
            if (end < 0) return true;
            const [status, ...fields] = handshake.subarray(0, end).toString('latin1').split('\r\n');
            const rest = handshake.subarray(end + 4);
            handshake = undefined;
            const acceptField = fields.find((f) => /^sec-websocket-accept:/i.test(f));
            const ok = /^HTTP\/1\.1 101 /.test(status!) && acceptField?.slice(acceptField.indexOf(':') + 1).trim() === accept;
            if (!ok) {
              socket.destroy();
              resolve(false);
              return false;
            }
            sockets.push(socket);
            resolve(true);
            if (rest.length > 0) frames(rest);
            return true;
          }
          frames(pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk);
          return true;
        },
      },
    });
    socket.setNoDelay(true);
    socket.once('connect', () =>
      socket.write(
        `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n${authorization ? `Authorization: ${authorization}\r\n` : ''}\r\n`,
      ),
    );
    socket.on('error', () => resolve(false)); // settles once; later errors end the socket only
    socket.once('close', () => handshake && resolve(false));
  });
}

async function open(url: string, authorization: string, count: number): Promise<{ failed: number }> {
  let failed = 0;
  let next = 0;
  const target = new URL(url);
  // A few hundred handshakes in flight at a time: the listen backlog stays small.
  await Promise.all(
    Array.from({ length: 200 }, async () => {
      while (next < count) {
        next++;
        if (!(await openOne(target, authorization))) failed++;
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
    process.send!({ type: 'arrivals', times: arrivals, sample, protocolErrors });
  } else if (message.type === 'exit') {
    for (const s of sockets) s.destroy();
    process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
