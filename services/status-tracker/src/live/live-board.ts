import type { Socket } from 'node:net';
import { WebSocket } from 'ws';

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
  /** The TCP connection under `socket`: pre-built frames are written to it directly. */
  readonly connection: Socket;
  readonly agencyId: string;
  alive: boolean;
}

export interface LiveBoardStats {
  readonly clients: number;
  readonly droppedSlow: number;
  readonly droppedDead: number;
}

/** The counters' live sockets, by agency, in this process. */
export interface LiveBoard {
  readonly kind: 'in-process';
  /**
   * Adds a socket (and the connection under it) to its agency's board, then sends it the
   * snapshot (after listening, so nothing falls between).
   */
  attach(socket: WebSocket, connection: Socket, agencyId: string, snapshot: () => string): void;
  /** Someone watches this agency's board (spares building messages nobody reads). */
  watching(agencyId: string): boolean;
  publish(agencyId: string, message: unknown): void;
  /** `publish` of a message already serialised (by the process that hands sockets to this one). */
  publishText(agencyId: string, text: string): void;
  stats(): LiveBoardStats;
  close(): void;
}

/**
 * One unmasked, final text frame holding `text` (RFC 6455 §5.2): what a server sends. The
 * header is FIN and the text opcode, then the length in 7 bits, or 126 and 16 bits, or 127 and 64 bits.
 */
export function textFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const length = payload.length;
  const header = Buffer.alloc(length < 126 ? 2 : length < 0x1_0000 ? 4 : 10);
  header[0] = 0x80 | 0x1;
  if (length < 126) header[1] = length;
  else if (length < 0x1_0000) {
    header[1] = 126;
    header.writeUInt16BE(length, 2);
  } else {
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  return Buffer.concat([header, payload]);
}

/**
 * The counters' live sockets, by agency. A message is serialised and framed once, then the same
 * bytes are written to every socket of the agency (one write each: per socket this is the whole
 * cost of a change, so `ws`'s per-send framing is skipped; its own frames, pings and closes, go
 * to the same connection whole and in order). A socket whose send buffer is over the bound, or
 * which stopped answering pings, is terminated: one stuck browser never holds memory or the event
 * loop of the server.
 */
export function createLiveBoard(options: LiveBoardOptions): LiveBoard {
  const byAgency = new Map<string, Set<Client>>();
  let droppedSlow = 0;
  let droppedDead = 0;

  const remove = (client: Client) => {
    const set = byAgency.get(client.agencyId);
    set?.delete(client);
    if (set?.size === 0) byAgency.delete(client.agencyId);
  };

  function write(client: Client, frame: Buffer): void {
    const { socket, connection } = client;
    if (socket.readyState !== WebSocket.OPEN) return;
    if (connection.writableLength > options.maxBufferedBytes) {
      droppedSlow++;
      options.onDrop?.('slow');
      options.logger?.warn({ agencyId: client.agencyId, buffered: connection.writableLength }, 'live board client too slow: dropped');
      remove(client);
      socket.terminate();
      return;
    }
    connection.write(frame);
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

  const board: LiveBoard = {
    kind: 'in-process',
    attach(socket: WebSocket, connection: Socket, agencyId: string, snapshot: () => string): void {
      const client: Client = { socket, connection, agencyId, alive: true };
      let set = byAgency.get(agencyId);
      if (!set) byAgency.set(agencyId, (set = new Set()));
      set.add(client);
      socket.on('pong', () => (client.alive = true));
      socket.on('close', () => remove(client));
      socket.on('error', () => remove(client));
      // The board only listens; whatever a client sends is ignored.
      write(client, textFrame(snapshot()));
    },
    watching(agencyId: string): boolean {
      return (byAgency.get(agencyId)?.size ?? 0) > 0;
    },
    publish(agencyId: string, message: unknown): void {
      board.publishText(agencyId, JSON.stringify(message));
    },
    publishText(agencyId: string, text: string): void {
      const set = byAgency.get(agencyId);
      if (!set || set.size === 0) return;
      const frame = textFrame(text);
      for (const client of [...set]) write(client, frame);
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
  return board;
}
