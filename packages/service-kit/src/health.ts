import type { FastifyInstance } from 'fastify';
import { AppError } from './errors.js';

/** A named dependency check for readiness, e.g. `{ name: 'eventStore', check: () => store.ping() }`. */
export interface ReadinessCheck {
  readonly name: string;
  check(): Promise<void>;
}

const CHECK_TIMEOUT_MS = 2000;

async function run(check: ReadinessCheck): Promise<{ name: string; ok: boolean; error?: string }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check.check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
      }),
    ]);
    return { name: check.name, ok: true };
  } catch (error) {
    return { name: check.name, ok: false, error: (error as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

export function registerHealth(app: FastifyInstance, checks: readonly ReadinessCheck[]): void {
  const schema = { tags: ['operations'] };
  app.get('/health/live', { config: { auth: 'public' }, schema: { ...schema, summary: 'The process is up' } }, async () => ({
    status: 'ok',
  }));
  app.get('/health/ready', { config: { auth: 'public' }, schema: { ...schema, summary: 'Event store and bus reachable' } }, async () => {
    const results = await Promise.all(checks.map(run));
    const failed = results.filter((r) => !r.ok);
    if (failed.length > 0)
      throw new AppError('LT_UNAVAILABLE', `not ready: ${failed.map((f) => `${f.name}: ${f.error}`).join('; ')}`, {
        extensions: { checks: results },
      });
    return { status: 'ready', checks: results };
  });
}
