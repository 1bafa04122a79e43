import type { ChildProcess } from 'node:child_process';
import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import { startProcess, type SocketErrorReport } from '@lienthong/service-kit';
import type { LiveBoardOptions, LiveBoardStats } from './live-board.js';

/** What a board process is started with. */
export interface BoardProcessSettings {
  readonly heartbeatMs: number;
  readonly maxBufferedBytes: number;
  readonly maxPayload: number;
}

/** Parent → board process. `attach` carries the connection itself (an IPC handle). */
export type ToBoardProcess =
  | { type: 'attach'; id: number; agencyId: string; headers: IncomingHttpHeaders; head: string; snapshot: string }
  | { type: 'publish'; agencyId: string; text: string }
  | { type: 'end'; id: number; reason: string }
  | { type: 'close'; graceMs: number };

/** Board process → parent. */
export type FromBoardProcess =
  | { type: 'ready' }
  | { type: 'closed'; id: number }
  | { type: 'dropped'; reason: 'slow' | 'dead' }
  | { type: 'socketError'; error: SocketErrorReport };

/** An upgrade request the parent has authorised, to be answered by a board process. */
export interface BoardHandOff {
  readonly connection: Socket;
  readonly headers: IncomingHttpHeaders;
  /** Bytes the client sent after its request, before the answer (normally none). */
  readonly head: Buffer;
  readonly agencyId: string;
  /** The first message of the socket, serialised. */
  readonly snapshot: string;
  /** Called once, when the socket is gone (closed, dropped, its process died). */
  readonly onClosed: () => void;
}

export interface BoardProcessesOptions extends LiveBoardOptions {
  readonly processes: number;
  readonly maxPayload: number;
  readonly logger: { info(o: object, m?: string): void; warn(o: object, m?: string): void; error(o: object, m?: string): void };
  /** An error of a socket held by a board process (mostly a client's frame `ws` refused). */
  readonly onSocketError: (error: SocketErrorReport) => void;
}

interface Session {
  readonly agencyId: string;
  /** The connection as this process knew it: destroyed if its child dies (a no-op once handed over). */
  readonly connection: Socket;
  readonly onClosed: () => void;
}

interface Child {
  readonly process: ChildProcess;
  /** Resolves when the child listens (its first message). */
  readonly ready: Promise<void>;
  listening: boolean;
  readonly sockets: Map<number, Session>;
  /** Sockets per agency: a change goes only to the children holding some of that agency's. */
  readonly agencies: Map<string, number>;
  /** Messages sent and not yet written to the channel. */
  queued: number;
}

const ENTRY = new URL('./board-process.ts', import.meta.url);
/** A child this far behind reading its channel is stuck: it is replaced (memory stays bounded). */
const MAX_QUEUED_MESSAGES = 10_000;

const count = (map: Map<string, number>, key: string, delta: number) => {
  const n = (map.get(key) ?? 0) + delta;
  if (n > 0) map.set(key, n);
  else map.delete(key);
};

/** The counters' live sockets, held by child processes. */
export interface BoardProcesses {
  readonly kind: 'processes';
  /** Hands an authorised upgrade to a board process; returns what ends it (revoked credentials). */
  handOff(request: BoardHandOff): { end(reason: string): void };
  /** Someone watches this agency's board (spares building messages nobody reads). */
  watching(agencyId: string): boolean;
  publish(agencyId: string, message: unknown): void;
  stats(): LiveBoardStats;
  /** Closes every socket (1001) and stops the processes: each gets `graceMs` (default 1 s) for its peers' close frames. */
  close(graceMs?: number): Promise<void>;
}

/**
 * The live board spread over child processes: the service's process checks who opens a socket
 * and hands the connection over (an IPC handle, as `cluster` does); each child answers the
 * handshake and holds its share of the sockets. A change is serialised once here and written by
 * every child to its sockets at the same time, so fanning out to many sockets uses every core
 * instead of one event loop. Children start with the first socket and are replaced when one dies
 * (its sockets are closed by the kernel; browsers reconnect).
 */
export function startBoardProcesses(options: BoardProcessesOptions): BoardProcesses {
  const children: Array<Child | undefined> = Array.from({ length: options.processes });
  let nextId = 1;
  let droppedSlow = 0;
  let droppedDead = 0;
  let closing = false;
  let closed: Promise<void> | undefined;
  const settings: BoardProcessSettings = {
    heartbeatMs: options.heartbeatMs,
    maxBufferedBytes: options.maxBufferedBytes,
    maxPayload: options.maxPayload,
  };

  const gone = (child: Child, id: number) => {
    const session = child.sockets.get(id);
    if (!session) return;
    child.sockets.delete(id);
    count(child.agencies, session.agencyId, -1);
    session.onClosed();
  };

  function spawn(slot: number): Child {
    const process = startProcess(ENTRY, settings);
    let listens!: () => void;
    let failed!: (error: Error) => void;
    const ready = new Promise<void>((resolve, reject) => ((listens = resolve), (failed = reject)));
    const child: Child = { process, ready, listening: false, sockets: new Map(), agencies: new Map(), queued: 0 };
    // Registered first: runs before the sends queued on `ready`, which then go out in order.
    ready.then(
      () => (child.listening = true),
      () => {},
    );
    const startup = setTimeout(() => failed(new Error('live board process did not start in 30 s')), 30_000);
    startup.unref();
    ready.then(
      () => clearTimeout(startup),
      () => (clearTimeout(startup), process.kill('SIGKILL')),
    );
    let dead = false;
    /** Once, whether the child exited or never started: its slot is freed and its sockets closed. */
    const died = (error: Error, details: object) => {
      if (dead) return;
      dead = true;
      if (children[slot] === child) children[slot] = undefined;
      failed(error);
      if (!closing)
        options.logger.error({ slot, ...details, sockets: child.sockets.size }, 'live board process gone; its sockets are closed');
      // Node closes a connection in flight to a child only when the child acknowledges it: one
      // that died first would stay open here, its client waiting forever.
      (process as unknown as { _pendingMessage?: { handle?: { close(): void } } | null })._pendingMessage?.handle?.close();
      for (const [id, session] of [...child.sockets]) {
        session.connection.destroy();
        gone(child, id);
      }
    };
    process.on('message', (message: FromBoardProcess) => {
      if (message.type === 'ready') listens();
      else if (message.type === 'closed') gone(child, message.id);
      else if (message.type === 'socketError') options.onSocketError(message.error);
      else {
        if (message.reason === 'slow') droppedSlow++;
        else droppedDead++;
        options.onDrop?.(message.reason);
        if (message.reason === 'slow') options.logger.warn({ slot }, 'live board client too slow: dropped');
      }
    });
    process.on('error', (error) => {
      options.logger.error({ err: error, slot }, 'live board process failed');
      // A fork that failed (no process, e.g. out of descriptors) emits no 'exit'.
      if (process.pid === undefined) died(error, { err: error });
    });
    process.once('exit', (code, signal) => died(new Error(`live board process exited (${signal ?? code})`), { code, signal }));
    return child;
  }

  /** A socket that could not be handed over is closed here and counted gone. */
  const notHandedOver = (child: Child, message: ToBoardProcess, handle: Socket | undefined, error: Error) => {
    if (message.type !== 'attach') return;
    options.logger.warn({ err: error }, 'live board socket not handed over');
    handle?.destroy();
    gone(child, message.id);
  };
  const deliver = (child: Child, message: ToBoardProcess, handle?: Socket) => {
    if (!child.process.connected) return notHandedOver(child, message, handle, new Error('live board process gone'));
    if (child.queued >= MAX_QUEUED_MESSAGES) {
      options.logger.error({ queued: child.queued, sockets: child.sockets.size }, 'live board process stuck: replaced');
      child.process.kill('SIGKILL');
      return notHandedOver(child, message, handle, new Error('live board process stuck'));
    }
    // Node counts a server's sockets sent to child processes as that server's, and once every
    // such child has exited its `server.close()` never completes (it polls no child and waits).
    // Sent as a socket of no server, the connection is this server's until handed over, then
    // closed here (only the handle left: the child holds the connection).
    if (handle) (handle as unknown as { server: unknown }).server = null;
    child.queued++;
    child.process.send(message, handle, (error) => {
      child.queued--;
      handle?.destroy();
      if (error) notHandedOver(child, message, handle, error);
    });
  };
  // IPC keeps the order of what is sent; before the child listens, sends wait on `ready` (in order).
  const send = (child: Child, message: ToBoardProcess, handle?: Socket) => {
    if (child.listening) deliver(child, message, handle);
    else
      child.ready.then(
        () => deliver(child, message, handle),
        (error: Error) => notHandedOver(child, message, handle, error),
      );
  };

  /** The child with the fewest sockets (started if its slot is empty). */
  const leastBusy = (): Child => {
    let best = 0;
    for (let slot = 0; slot < children.length; slot++) {
      const size = children[slot]?.sockets.size ?? 0;
      if (size < (children[best]?.sockets.size ?? 0)) best = slot;
    }
    return (children[best] ??= spawn(best));
  };

  return {
    kind: 'processes',
    handOff(request: BoardHandOff): { end(reason: string): void } {
      if (closing) {
        request.connection.destroy();
        request.onClosed();
        return { end: () => {} };
      }
      const child = leastBusy();
      const id = nextId++;
      child.sockets.set(id, { agencyId: request.agencyId, connection: request.connection, onClosed: request.onClosed });
      count(child.agencies, request.agencyId, 1);
      send(
        child,
        {
          type: 'attach',
          id,
          agencyId: request.agencyId,
          headers: request.headers,
          head: request.head.toString('base64'),
          snapshot: request.snapshot,
        },
        request.connection,
      );
      return { end: (reason) => child.sockets.has(id) && send(child, { type: 'end', id, reason }) };
    },
    watching(agencyId: string): boolean {
      return children.some((child) => child?.agencies.has(agencyId));
    },
    publish(agencyId: string, message: unknown): void {
      const holders = children.filter((child): child is Child => child?.agencies.has(agencyId) === true);
      if (holders.length === 0) return;
      const text = JSON.stringify(message);
      for (const child of holders) send(child, { type: 'publish', agencyId, text });
    },
    stats(): LiveBoardStats {
      let clients = 0;
      for (const child of children) clients += child?.sockets.size ?? 0;
      return { clients, droppedSlow, droppedDead };
    },
    close(graceMs = 1000): Promise<void> {
      closed ??= (async () => {
        closing = true;
        await Promise.all(
          children.map(async (child) => {
            if (!child || child.process.exitCode !== null || child.process.signalCode !== null) return;
            const exited = new Promise<void>((resolve) => child.process.once('exit', () => resolve()));
            send(child, { type: 'close', graceMs });
            const killed = setTimeout(() => child.process.kill('SIGKILL'), graceMs + 2000);
            await exited;
            clearTimeout(killed);
          }),
        );
      })();
      return closed;
    },
  };
}
