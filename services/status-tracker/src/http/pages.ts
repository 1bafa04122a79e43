import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { notFound } from '@lienthong/service-kit';

// The pages stay in src/ (tsc does not copy them): found from src/http/ and from the compiled dist/http/ alike.
const pagesDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'pages');
const read = (name: string) => readFileSync(join(pagesDir, name), 'utf8');

const ASSET_TYPES: Record<string, string> = {
  'common.js': 'text/javascript; charset=utf-8',
  'lookup.js': 'text/javascript; charset=utf-8',
  'board.js': 'text/javascript; charset=utf-8',
  'tracker.css': 'text/css; charset=utf-8',
};

/** Scripts and styles only from here; the sockets and fetches only to here; no framing. */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

function securityHeaders(reply: FastifyReply): FastifyReply {
  return reply.header('content-security-policy', CSP).header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer');
}

/** `GET /` (citizen lookup), `GET /board` (counters) and their assets: plain files, no build step. */
export async function pageRoutes(app: FastifyInstance): Promise<void> {
  // Read once at start: a missing file fails the start, not a citizen's request.
  const pages = { lookup: read('lookup.html'), board: read('board.html') };
  const assets = new Map(Object.keys(ASSET_TYPES).map((name) => [name, read(name)]));
  const page = { config: { auth: 'public' as const }, schema: { hide: true } };

  app.get('/', page, async (_request, reply) =>
    securityHeaders(reply).type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(pages.lookup),
  );
  app.get('/board', page, async (_request, reply) =>
    securityHeaders(reply).type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(pages.board),
  );
  app.get<{ Params: { file: string } }>('/assets/tracker/:file', page, async (request, reply) => {
    const body = assets.get(request.params.file);
    const type = ASSET_TYPES[request.params.file];
    if (body === undefined || type === undefined) throw notFound(`no asset ${request.params.file}`);
    return securityHeaders(reply).type(type).header('cache-control', 'public, max-age=300').send(body);
  });
}
