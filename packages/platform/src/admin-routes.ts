import type { FastifyInstance } from 'fastify';
import { notFound } from '@lienthong/service-kit';
import type { Platform } from './types.js';

const tags = ['audit'];

/** Read models of this deployment: their checkpoint and lag, and side-by-side rebuilds. */
export async function adminRoutes(app: FastifyInstance, { platform }: { platform: Platform }) {
  app.get(
    '/v1/admin/projections',
    { config: { auth: ['admin'] }, schema: { tags, summary: 'Read models with checkpoint and lag' } },
    async () => ({
      items: await Promise.all([...platform.projections.values()].map((r) => r.status())),
    }),
  );

  app.post<{ Params: { name: string } }>(
    '/v1/admin/projections/:name/rebuild',
    {
      config: { auth: ['admin'] },
      schema: {
        tags,
        summary: 'Rebuild a read model from zero while the old one serves, then swap',
        params: { type: 'object', properties: { name: { type: 'string', maxLength: 100 } } },
      },
    },
    async (request) => {
      const runner = platform.projections.get(request.params.name);
      if (!runner) throw notFound(`no projection ${request.params.name}; known: ${[...platform.projections.keys()].join(', ')}`);
      const result = await runner.rebuild();
      return { ...result, status: await runner.status() };
    },
  );
}
