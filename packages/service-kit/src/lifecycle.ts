import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';

/** Something to stop on shutdown, in the order given (intake first, stores last). */
export interface Closer {
  readonly name: string;
  close(): Promise<void>;
}

/** Stops intake (Fastify answers 503 while closing and drains in-flight requests), then the rest in order. */
export async function shutdown(app: FastifyInstance, closers: readonly Closer[], logger: Logger): Promise<void> {
  await app.close();
  for (const closer of closers) {
    try {
      await closer.close();
      logger.info({ component: closer.name }, 'closed');
    } catch (error) {
      logger.error({ err: error, component: closer.name }, 'close failed');
    }
  }
}

/** Listens, then runs `stop` on SIGINT/SIGTERM (a second signal exits at once). */
export async function serve(
  app: FastifyInstance,
  options: { port: number; host: string; stop: () => Promise<void>; logger: Logger },
): Promise<void> {
  await app.listen({ port: options.port, host: options.host });
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    options.logger.info({ signal }, 'shutting down');
    options.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        options.logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
}
