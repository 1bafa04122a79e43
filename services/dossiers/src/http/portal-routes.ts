import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { DirectoryView } from '@lienthong/directory';
import { VN_TIME_SCRIPT, servePages } from '@lienthong/service-kit';

// The pages stay in src/ (tsc does not copy them): found from src/http/ and from the compiled dist/http/ alike.
const pagesDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'pages');

/** Agencies a citizen can choose on the portal: at most this many, by organId. */
const MAX_AGENCIES = 2_000;

/**
 * The citizens' portal (cổng dịch vụ công, SPEC §7): the page `/dich-vu-cong` and its assets, and
 * `GET /v1/public/agencies`, the receiving agencies the page offers (names and ids are public;
 * the directory's own listing is for callers with a token).
 */
export async function portalRoutes(app: FastifyInstance, deps: { directory: DirectoryView }): Promise<void> {
  await servePages(app, {
    dir: pagesDir,
    pages: { '/dich-vu-cong': 'dich-vu-cong.html' },
    assetsAt: '/assets/dich-vu-cong',
    assets: { 'vn-time.js': VN_TIME_SCRIPT, 'dich-vu-cong.js': 'dich-vu-cong.js', 'dich-vu-cong.css': 'dich-vu-cong.css' },
  });

  app.get<{ Querystring: { level?: string } }>(
    '/v1/public/agencies',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['citizens'],
        summary: 'Agencies that receive dossiers, for the portal: {items: [{organId, name, level, parentId}]} (of one level with ?level=)',
        security: [],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { level: { type: 'string', enum: ['province', 'district', 'commune'] } },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              items: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    organId: { type: 'string' },
                    name: { type: 'string' },
                    level: { type: ['string', 'null'] },
                    parentId: { type: ['string', 'null'] },
                  },
                },
              },
            },
          },
        },
      },
    },
    async (request, reply) => {
      const { level } = request.query;
      const items = deps.directory
        .listAgencies({ limit: MAX_AGENCIES })
        .filter((a) => level === undefined || a.level === level)
        .map((a) => ({ organId: a.organId, name: a.name, level: a.level, parentId: a.parentId }));
      return reply.header('cache-control', 'public, max-age=60').send({ items });
    },
  );
}
