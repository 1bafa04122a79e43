import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
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
    default:
      return 'network';
  }
}

/** One connector's HTTP client: keep-alive sockets, the SSRF guard at connection time, size and time limits. */
export interface Poster {
  post(url: URL, headers: Readonly<Record<string, string>>, body: string, signal?: AbortSignal): Promise<PostAnswer>;
  close(): void;
}

export function createPoster(policy: UrlPolicy, limits: PostLimits, maxSockets: number): Poster {
  const options = { keepAlive: true, maxSockets, maxFreeSockets: maxSockets, scheduling: 'fifo' as const };
  const agents = { http: new HttpAgent(options), https: new HttpsAgent(options) };
  // an IP literal is never looked up: it is checked here, once per host, port and hub port
  const literalRefusals = new Map<string, string | null>();
  const literalRefusal = (host: string, port: number): string | null => {
    const key = `${host} ${port} ${policy.hubPort}`;
    let refusal = literalRefusals.get(key);
    if (refusal === undefined) literalRefusals.set(key, (refusal = isIP(host) ? addressRefusal(host, port, policy) : null));
    return refusal;
  };
  // requests in flight, cut when their signal aborts: one listener per signal, not one per request
  const inFlight = new Map<AbortSignal, Set<() => void>>();
  const track = (signal: AbortSignal, cut: () => void): (() => void) => {
    let cuts = inFlight.get(signal);
    if (!cuts) {
      const set = (cuts = new Set());
      inFlight.set(signal, set);
      signal.addEventListener(
        'abort',
        () => {
          inFlight.delete(signal);
          for (const c of set) c();
        },
        { once: true },
      );
    }
    cuts.add(cut);
    return () => cuts.delete(cut);
  };
  return {
    post(url, headers, body, signal) {
      return new Promise<PostAnswer>((resolve, reject) => {
        const host = url.hostname.replace(/^\[|\]$/gu, '');
        const port = portOf(url);
        const refusal = literalRefusal(host, port);
        if (refusal) return reject(new PostFailure('unsafe-address', refusal));
        if (signal?.aborted) return reject(new PostFailure('aborted', 'delivery stopped'));
        const https = url.protocol === 'https:';
        let settled = false;
        let untrack = (): void => undefined;
        const fail = (reason: string, message: string) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          untrack();
          req.destroy();
          reject(new PostFailure(reason, message));
        };
        const req = (https ? httpsRequest : httpRequest)(url, {
          method: 'POST',
          agent: https ? agents.https : agents.http,
          lookup: guardedLookup(policy, port) as never,
          headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body, 'utf8')) },
        });
        const timer = setTimeout(() => fail('timeout', `no complete answer within ${limits.timeoutMs} ms`), limits.timeoutMs);
        if (signal) untrack = track(signal, () => fail('aborted', 'delivery stopped'));
        req.on('error', (error: NodeJS.ErrnoException) => fail(reasonOf(error), error.message));
        req.on('response', (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          const done = (truncated: boolean) => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            untrack();
            if (truncated) res.destroy();
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), truncated });
          };
          res.on('data', (chunk: Buffer) => {
            if (settled) return;
            const room = limits.maxResponseBytes - size;
            if (chunk.length > room) {
              chunks.push(chunk.subarray(0, room));
              size += room;
              done(true);
              return;
            }
            chunks.push(chunk);
            size += chunk.length;
          });
          res.on('end', () => done(false));
          res.on('error', (error: NodeJS.ErrnoException) => fail(reasonOf(error), error.message));
          res.on('aborted', () => fail('reset', 'answer cut'));
        });
        // a string body goes out with the headers in one write
        req.end(body, 'utf8');
      });
    },
    close() {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}
