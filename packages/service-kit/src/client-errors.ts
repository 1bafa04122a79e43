import { randomUUID } from 'node:crypto';
import { STATUS_CODES, maxHeaderSize } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { AppError } from './errors.js';
import { PROBLEM_CONTENT_TYPE, problemOf, sendProblem, toAppError } from './problem.js';

/** How long a refused connection may keep sending before it is cut (the answer is already out). */
export const CLIENT_ERROR_LINGER_MS = 2_000;

/** What Node's HTTP parser reports with a parse error (`prepareError` in `_http_server`). */
interface ParserError extends Error {
  code?: string;
  bytesParsed?: number;
  rawPacket?: unknown; // a Buffer (Fastify's types say otherwise)
}

const answered = new WeakSet<Socket>();

/**
 * Fastify's `clientErrorHandler`: a request Node's parser refuses (a request line and headers
 * over the limit, a malformed request, a timeout) gets a problem+json answer like every other
 * error, with no body when it was a HEAD (a body there breaks keep-alive clients), then the
 * connection is closed: the parser cannot resynchronise.
 */
export function clientErrorHandler(logger: Logger): (error: ParserError, socket: Socket) => void {
  return (error, socket) => {
    // A reset socket has no one to answer; a parser in error reports every later chunk again.
    if (error.code === 'ECONNRESET' || socket.destroyed || answered.has(socket)) return;
    answered.add(socket);
    const appError = appErrorOf(error);
    const correlationId = randomUUID();
    logger.info(
      { correlationId, code: appError.code, parserCode: error.code, detail: appError.message },
      'request refused by the HTTP parser',
    );
    // As Node's own handler: an answer already under way on this socket cannot get a second one.
    const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (!socket.writable || inFlight?.headersSent === true) {
      socket.destroy();
      return;
    }
    const body = JSON.stringify({ ...problemOf(appError), correlationId });
    const method = methodOf(error);
    // Unknown method (its request line is in an earlier read): no body is right for HEAD and safe for the rest.
    const content = method !== undefined && method !== 'HEAD' ? body : '';
    const length = method === 'HEAD' ? Buffer.byteLength(body) : Buffer.byteLength(content);
    const head =
      `HTTP/1.1 ${appError.status} ${STATUS_CODES[appError.status] ?? ''}\r\n` +
      `Content-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${length}\r\n` +
      `X-Correlation-Id: ${correlationId}\r\nConnection: close\r\n\r\n`;
    // Half-close after the answer, and cut the connection only later: destroying it at once
    // with unread bytes would send a reset, and the client's kernel would drop our answer.
    socket.end(head + content);
    const cut = setTimeout(() => socket.destroy(), CLIENT_ERROR_LINGER_MS);
    cut.unref();
    socket.once('close', () => clearTimeout(cut));
  };
}

function appErrorOf(error: ParserError): AppError {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return new AppError('LT_HEADERS_TOO_LARGE', `the request line and headers are larger than ${maxHeaderSize} bytes`, { cause: error });
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new AppError('LT_REQUEST_TIMEOUT', 'the request was not received in time', { cause: error });
    default:
      return new AppError('LT_MALFORMED_REQUEST', `malformed HTTP request: ${error.message}`, { cause: error });
  }
}

/** The method of the last request line before the error, if the parser's buffer still holds it. */
function methodOf(error: ParserError): string | undefined {
  if (error.code === 'HPE_INVALID_METHOD') return 'invalid'; // whatever it was, not HEAD
  const raw = error.rawPacket;
  if (!Buffer.isBuffer(raw)) return undefined;
  const parsed = raw.subarray(0, (error.bytesParsed ?? raw.length) + 1).toString('latin1');
  const lines = [...parsed.matchAll(/(?:^|\n)([A-Z]{1,20}) [^\s]/g)];
  return lines.at(-1)?.[1];
}

/** Fastify's `frameworkErrors`: a URL it cannot decode, a parameter over its length, as problem+json. */
export function frameworkErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const appError = frameworkAppError(error);
  if (appError.status >= 500) request.log.error({ err: error, code: appError.code }, appError.message);
  else request.log.info({ code: appError.code, detail: appError.message }, 'request refused');
  void sendProblem(reply, appError);
}

function frameworkAppError(error: FastifyError): AppError {
  switch (error.code) {
    case 'FST_ERR_BAD_URL':
      return new AppError('LT_MALFORMED_REQUEST', `the URL is not valid: ${error.message}`, { cause: error });
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new AppError('LT_URI_TOO_LONG', `a path parameter is too long: ${error.message}`, { cause: error });
    default:
      return toAppError(error);
  }
}

/**
 * HTTP/1.1 requires a Host header. Node's own check answers a bare 400 with an empty body, so
 * it is turned off (`requireHostHeader: false` in the factory) and done here, as a problem.
 */
export function registerHostCheck(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    if (request.raw.httpVersionMajor === 1 && request.raw.httpVersionMinor >= 1 && request.headers.host === undefined)
      throw new AppError('LT_MALFORMED_REQUEST', 'an HTTP/1.1 request needs a Host header', {
        errors: [{ path: 'headers/host', message: 'is required' }],
      });
  });
}

/**
 * A plain request to a WebSocket route got an empty 404 from @fastify/websocket; it gets a 426
 * problem instead, after the route's own pre-handlers (their refusals are more precise).
 */
export function registerUpgradeCheck(app: FastifyInstance): void {
  const upgradeRequired = async (request: FastifyRequest): Promise<void> => {
    if (!request.ws)
      throw new AppError(
        'LT_UPGRADE_REQUIRED',
        `${request.routeOptions.url ?? 'this route'} is a WebSocket: open it with an Upgrade: websocket request`,
      );
  };
  app.addHook('onRoute', (route) => {
    if (!(route as { websocket?: boolean }).websocket) return;
    const own = route.preHandler === undefined ? [] : Array.isArray(route.preHandler) ? route.preHandler : [route.preHandler];
    route.preHandler = [...own, upgradeRequired] as NonNullable<typeof route.preHandler>;
  });
}
