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
        pool.request(
          {
            path: url.pathname + url.search,
            method: 'POST',
            headers: { ...headers, 'content-type': 'application/json' },
            body,
            signal: exchange.controller.signal,
          },
          exchange.onAnswer,
        );
      });
    },
    close() {
      for (const { pool } of pools.values()) pool.destroy().catch(() => undefined);
      pools.clear();
    },
  };
}

/** One request: the time limit, the size limit, and the cut when the worker stops. */
class Exchange {
  readonly controller = new AbortController();
  untrack: Set<Exchange> | null = null;
  private settled = false;
  private failure: PostFailure | null = null;
  private readonly timer: NodeJS.Timeout;
  private readonly chunks: Buffer[] = [];
  private size = 0;

  constructor(
    private readonly resolve: (answer: PostAnswer) => void,
    private readonly reject: (error: PostFailure) => void,
    private readonly limits: PostLimits,
  ) {
    this.timer = setTimeout(() => this.cut('timeout', `no complete answer within ${limits.timeoutMs} ms`), limits.timeoutMs);
  }

  /** Ends the exchange now with this failure (the socket is closed by undici's abort). */
  cut(reason: string, message: string): void {
    if (this.settled) return;
    this.failure = new PostFailure(reason, message);
    this.finish();
    this.controller.abort();
    this.reject(this.failure);
  }

  readonly onAnswer = (error: Error | null, data: Dispatcher.ResponseData | undefined): void => {
    if (error || !data) {
      if (this.settled) return;
      this.finish();
      const e = error as NodeJS.ErrnoException;
      return this.reject(new PostFailure(reasonOf(e), e.message));
    }
    const { statusCode, headers, body } = data;
    if (this.settled) return void body.destroy();
    body.on('data', (chunk: Buffer) => {
      if (this.settled) return;
      const room = this.limits.maxResponseBytes - this.size;
      if (chunk.length > room) {
        this.chunks.push(chunk.subarray(0, room));
        this.size += room;
        this.answer(statusCode, headers, true);
        body.destroy(); // the rest is never read: undici closes the connection
        return;
      }
      this.chunks.push(chunk);
      this.size += chunk.length;
    });
    body.on('end', () => this.answer(statusCode, headers, false));
    body.on('error', (e: NodeJS.ErrnoException) => {
      if (this.settled) return;
      this.finish();
      this.reject(new PostFailure(reasonOf(e), e.message));
    });
  };

  private answer(status: number, headers: IncomingHttpHeaders, truncated: boolean): void {
    if (this.settled) return;
    this.finish();
    this.resolve({ status, headers, body: Buffer.concat(this.chunks).toString('utf8'), truncated });
  }

  private finish(): void {
    this.settled = true;
    clearTimeout(this.timer);
    this.untrack?.delete(this);
  }
}
