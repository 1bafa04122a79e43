import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

/**
 * One line per request at `info`, when it is answered: method, url, client, status and time
 * together, instead of Fastify's two (an "incoming request" line, then a "request completed" line
 * without the url). A hub logs every request of every vendor system and peer; two lines doubled
 * that cost for what one line says whole. The arrival is still logged at `debug`, for following a
 * request that never completes.
 */
export class RequestLogController extends LogController {
  constructor() {
    super({ requestIdLogLabel: 'correlationId' });
  }

  override incomingRequest(request: FastifyRequest): void {
    request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error) reply.log.error({ req: request, res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored');
    else reply.log.info({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}
