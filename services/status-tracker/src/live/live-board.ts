import type { WebSocket } from 'ws';

export interface LiveBoardOptions {
  /** Ping period; a client that has not answered the previous ping by the next one is dropped. */
  readonly heartbeatMs: number;
  /** A socket with more than this queued for sending is dropped (it does not read fast enough). */
  readonly maxBufferedBytes: number;
  readonly logger?: { info(o: object, m?: string): void; warn(o: object, m?: string): void };
  /** Told of each socket the board drops (for metrics). */
  readonly onDrop?: (reason: 'slow' | 'dead') => void;
}

interface Client {
  readonly socket: WebSocket;
  readonly agencyId: string;
  alive: boolean;
}

export interface LiveBoardStats {
  readonly clients: number;
  readonly droppedSlow: number;
  readonly droppedDead: number;
}

/**
 * The counters' live sockets, by agency. A message is serialised once and written to every
 * socket of the agency; a socket whose send buffer is over the bound, or which stopped answering
 * pings, is terminated: one stuck browser never holds memory or the event loop of the server.
 */
export function createLiveBoard(options: LiveBoardOptions) {
  const byAgency = new Map<string, Set<Client>>();
  let droppedSlow = 0;
  let droppedDead = 0;

  const remove = (client: Client) => {
    const set = byAgency.get(client.agencyId);
    set?.delete(client);
    if (set?.size === 0) byAgency.delete(client.agencyId);
  };

  function write(client: Client, data: Buffer): void {
    const { socket } = client;
    if (socket.readyState !== socket.OPEN) return;
    if (socket.bufferedAmount > options.maxBufferedBytes) {
      droppedSlow++;
      options.onDrop?.('slow');
      options.logger?.warn({ agencyId: client.agencyId, buffered: socket.bufferedAmount }, 'live board client too slow: dropped');
      remove(client);
      socket.terminate();
      return;
    }
    socket.send(data, { binary: false });
  }

  const heartbeat = setInterval(() => {
    for (const set of byAgency.values())
      for (const client of set) {
        if (!client.alive) {
          droppedDead++;
          options.onDrop?.('dead');
          remove(client);
          client.socket.terminate();
          continue;
        }
        client.alive = false;
        client.socket.ping();
      }
  }, options.heartbeatMs);
  heartbeat.unref();

  return {
    /** Adds a socket to its agency's board, then sends it the snapshot (after listening, so nothing falls between). */
    attach(socket: WebSocket, agencyId: string, snapshot: () => unknown): void {
      const client: Client = { socket, agencyId, alive: true };
      let set = byAgency.get(agencyId);
      if (!set) byAgency.set(agencyId, (set = new Set()));
      set.add(client);
      socket.on('pong', () => (client.alive = true));
      socket.on('close', () => remove(client));
      socket.on('error', () => remove(client));
      // The board only listens; whatever a client sends is ignored.
      write(client, Buffer.from(JSON.stringify(snapshot())));
    },
    /** Someone watches this agency's board (spares building messages nobody reads). */
    watching(agencyId: string): boolean {
      return (byAgency.get(agencyId)?.size ?? 0) > 0;
    },
    publish(agencyId: string, message: unknown): void {
      const set = byAgency.get(agencyId);
      if (!set || set.size === 0) return;
      // Encoded once: each socket then costs one frame header and one write.
      const data = Buffer.from(JSON.stringify(message));
      for (const client of [...set]) write(client, data);
    },
    stats(): LiveBoardStats {
      let clients = 0;
      for (const set of byAgency.values()) clients += set.size;
      return { clients, droppedSlow, droppedDead };
    },
    close(): void {
      clearInterval(heartbeat);
      for (const set of byAgency.values()) for (const client of set) client.socket.close(1001, 'server stopping');
      byAgency.clear();
    },
  };
}
export type LiveBoard = ReturnType<typeof createLiveBoard>;
