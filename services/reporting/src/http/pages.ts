import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { servePages } from '@lienthong/service-kit';

// The pages stay in src/ (tsc does not copy them): found from src/http/ and from the compiled dist/http/ alike.
const pagesDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'pages');
// The chart library is served from its package (its manifest read to find it), never from a CDN.
const require = createRequire(import.meta.url);
const uplot = require('uplot/package.json') as { version: string };
const uplotDir = join(dirname(require.resolve('uplot/package.json')), 'dist');

/** `GET /bao-cao` (staff reporting page) and its assets: plain files, no build step. */
export async function reportingPages(app: FastifyInstance): Promise<void> {
  await servePages(app, {
    dir: pagesDir,
    pages: { '/bao-cao': 'bao-cao.html' },
    assetsAt: '/assets/reporting',
    assets: {
      'bao-cao.js': 'bao-cao.js',
      'bao-cao.css': 'bao-cao.css',
      'uPlot.iife.min.js': { file: join(uplotDir, 'uPlot.iife.min.js'), version: uplot.version },
      'uPlot.min.css': { file: join(uplotDir, 'uPlot.min.css'), version: uplot.version },
    },
  });
}
