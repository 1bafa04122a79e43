import type { IncomingHttpHeaders } from 'node:http';
import { isIP } from 'node:net';
import { Pool, type Dispatcher } from 'undici';
import { addressRefusal, guardedLookup, portOf, type UrlPolicy } from '../url-guard.js';

export interface PostLimits {
  /** The whole exchange, connect to last byte (default 10 s): a receiver that never closes is cut off. */
  readonly timeoutMs: number;
  /** Bytes of the answer kept (default 64 KiB); the rest is not read: the socket is destroyed. */
  readonly maxResponseBytes: number;
}

export interface PostAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** The answer was longer than the limit and was cut. */
  readonly truncated: boolean;
}

/** Why a POST got no answer: `timeout`, `reset`, `refused`, `unsafe-address`, `dns`, `network`, `aborted`. */
export class PostFailure extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'PostFailure';
  }
}

function reasonOf(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
      return 'reset';
    case 'ECONNREFUSED':
      return 'refused';
    case 'LT_UNSAFE_ADDRESS':
      return 'unsafe-address';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'dns';
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return 'timeout';
    default:
      return 'network';
  }
}

/** One connector's HTTP client: keep-alive sockets, the SSRF guard at connection time, size and time limits. */
export interface Poster {
  post(url: URL, headers: Readonly<Record<string, string>>, body: string, signal?: AbortSignal): Promise<PostAnswer>;
  close(): void;
}

/**
 * undici pools (one per origin, `maxSockets` keep-alive connections each, no HTTP pipelining):
 * about half the CPU per request of node:http's client. Every new connection resolves its host
 * through the guarded lookup (DNS rebinding); an IP literal is checked here once.
 */
export function createPoster(policy: UrlPolicy, limits: PostLimits, maxSockets: number): Poster {
  const pools = new Map<string, { readonly pool: Pool; readonly refusal: string | null }>();
  const poolOf = (url: URL) => {
    let entry = pools.get(url.origin);
    if (!entry) {
      const host = url.hostname.replace(/^\[|\]$/gu, '');
      const port = portOf(url);
      const pool = new Pool(url.origin, {
        connections: maxSockets,
        pipelining: 1,
        connect: { lookup: guardedLookup(policy, port) as never, timeout: limits.timeoutMs },
        headersTimeout: limits.timeoutMs,
        bodyTimeout: limits.timeoutMs,
      });
      entry = { pool, refusal: isIP(host) ? addressRefusal(host, port, policy) : null };
      pools.set(url.origin, entry);
    }
    return entry;
  };
  // requests in flight, cut when their signal aborts: one listener per signal, not one per request
  const inFlight = new Map<AbortSignal, Set<Exchange>>();
  const track = (signal: AbortSignal, exchange: Exchange): void => {
    let exchanges = inFlight.get(signal);
    if (!exchanges) {
      const set = (exchanges = new Set());
      inFlight.set(signal, set);
      signal.addEventListener(
        'abort',
        () => {
          inFlight.delete(signal);
          for (const e of set) e.cut('aborted', 'delivery stopped');
        },
        { once: true },
      );
    }
    exchanges.add(exchange);
    exchange.untrack = exchanges;
  };
  return {
    post(url, headers, body, signal) {
      return new Promise<PostAnswer>((resolve, reject) => {
        const { pool, refusal } = poolOf(url);
        if (refusal) return reject(new PostFailure('unsafe-address', refusal));
        if (signal?.aborted) return reject(new PostFailure('aborted', 'delivery stopped'));
        const exchange = new Exchange(resolve, reject, limits);
        if (signal) track(signal, exchange);
        pool.dispatch(
          {
            origin: url.origin,
            path: url.pathname + url.search,
            method: 'POST',
            headers: { ...headers, 'content-type': 'application/json' },
            body,
          },
          exchange,
        );
      });
    },
    close() {
      for (const { pool } of pools.values()) pool.destroy().catch(() => undefined);
      pools.clear();
    },
  };
}

/** Raw header lines (name, value, name, value…) as node's lower-cased header object. */
function headersOf(raw: readonly Buffer[]): IncomingHttpHeaders {
  const headers: IncomingHttpHeaders = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toString('latin1').toLowerCase();
    const value = raw[i + 1]!.toString('latin1');
    const prior = headers[name];
    headers[name] = prior === undefined ? value : `${String(prior)}, ${value}`;
  }
  return headers;
}

/**
 * One request, as undici's dispatch handler (no body stream, no AbortSignal per request): the
 * whole exchange's time limit, the answer's size limit, and the cut when the worker stops.
 */
class Exchange implements Dispatcher.DispatchHandlers {
  untrack: Set<Exchange> | null = null;
  private settled = false;
  private abort: ((reason?: Error) => void) | null = null;
  private readonly timer: NodeJS.Timeout;
  private status = 0;
  private rawHeaders: Buffer[] = [];
  private readonly chunks: Buffer[] = [];
  private size = 0;

  constructor(
    private readonly resolve: (answer: PostAnswer) => void,
    private readonly reject: (error: PostFailure) => void,
    private readonly limits: PostLimits,
  ) {
    this.timer = setTimeout(() => this.cut('timeout', `no complete answer within ${limits.timeoutMs} ms`), limits.timeoutMs);
  }

  /** Ends the exchange now with this failure; undici closes the connection of a request cut in flight. */
  cut(reason: string, message: string): void {
    if (this.settled) return;
    this.finish();
    this.abort?.();
    this.reject(new PostFailure(reason, message));
  }

  onConnect(abort: (reason?: Error) => void): void {
    this.abort = abort;
    if (this.settled) abort(); // cut while it waited for a connection
  }

  onHeaders(statusCode: number, headers: Buffer[]): boolean {
    this.status = statusCode;
    this.rawHeaders = headers;
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.settled) return true;
    const room = this.limits.maxResponseBytes - this.size;
    if (chunk.length > room) {
      this.chunks.push(chunk.subarray(0, room));
      this.size += room;
      this.answer(true);
      this.abort?.(); // the rest is never read: the connection is closed
      return true;
    }
    this.chunks.push(chunk);
    this.size += chunk.length;
    return true;
  }

  onComplete(): void {
    this.answer(false);
  }

  onError(error: Error): void {
    if (this.settled) return;
    this.finish();
    this.reject(new PostFailure(reasonOf(error), error.message));
  }

  private answer(truncated: boolean): void {
    if (this.settled) return;
    this.finish();
    const raw = this.rawHeaders;
    let headers: IncomingHttpHeaders | undefined;
    this.resolve({
      status: this.status,
      // read on demand (a webhook's answer is judged by its status alone)
      get headers() {
        return (headers ??= headersOf(raw));
      },
      body: this.chunks.length === 1 ? this.chunks[0]!.toString('utf8') : Buffer.concat(this.chunks).toString('utf8'),
      truncated,
    });
  }

  private finish(): void {
    this.settled = true;
    clearTimeout(this.timer);
    this.untrack?.delete(this);
  }
}
