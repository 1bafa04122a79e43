import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { notFound } from '@lienthong/service-kit';

// The pages stay in src/ (tsc does not copy them): found from src/http/ and from the compiled dist/http/ alike.
const pagesDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'pages');
// The chart library is served from its package (its manifest read to find it), never from a CDN.
const require = createRequire(import.meta.url);
const uplot = require('uplot/package.json') as { version: string };
const uplotDir = join(dirname(require.resolve('uplot/package.json')), 'dist');

const ASSETS: Record<string, { file: string; type: string }> = {
  'bao-cao.js': { file: join(pagesDir, 'bao-cao.js'), type: 'text/javascript; charset=utf-8' },
  'bao-cao.css': { file: join(pagesDir, 'bao-cao.css'), type: 'text/css; charset=utf-8' },
  'uPlot.iife.min.js': { file: join(uplotDir, 'uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' },
  'uPlot.min.css': { file: join(uplotDir, 'uPlot.min.css'), type: 'text/css; charset=utf-8' },
};

/** Scripts and styles only from here; fetches only to here; no framing. */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
const secured = (reply: FastifyReply) =>
  reply.header('content-security-policy', CSP).header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer');

/** `GET /bao-cao` (staff reporting page) and its assets: plain files, no build step. */
export async function reportingPages(app: FastifyInstance): Promise<void> {
  // Read once at start: a missing file fails the start, not a request.
  const page = readFileSync(join(pagesDir, 'bao-cao.html'), 'utf8');
  const assets = new Map(Object.entries(ASSETS).map(([name, a]) => [name, { body: readFileSync(a.file, 'utf8'), type: a.type }]));
  const options = { config: { auth: 'public' as const }, schema: { hide: true } };
  app.get('/bao-cao', options, async (_request, reply) =>
    secured(reply).type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(page),
  );
  app.get<{ Params: { file: string } }>('/assets/reporting/:file', options, async (request, reply) => {
    const asset = assets.get(request.params.file);
    if (!asset) throw notFound(`no asset ${request.params.file}`);
    return secured(reply)
      .type(asset.type)
      .header('cache-control', 'public, max-age=300')
      .header('x-lienthong-asset-version', request.params.file.startsWith('uPlot') ? uplot.version : 'page')
      .send(asset.body);
  });
}
