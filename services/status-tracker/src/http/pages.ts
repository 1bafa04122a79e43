import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { VN_TIME_SCRIPT, servePages } from '@lienthong/service-kit';

// The pages stay in src/ (tsc does not copy them): found from src/http/ and from the compiled dist/http/ alike.
const pagesDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'pages');

/** `GET /` (citizen lookup), `GET /board` (counters) and their assets: plain files, no build step. */
export async function pageRoutes(app: FastifyInstance): Promise<void> {
  await servePages(app, {
    dir: pagesDir,
    pages: { '/': 'lookup.html', '/board': 'board.html' },
    assetsAt: '/assets/tracker',
    assets: {
      'vn-time.js': VN_TIME_SCRIPT,
      'common.js': 'common.js',
      'lookup.js': 'lookup.js',
      'board.js': 'board.js',
      'tracker.css': 'tracker.css',
    },
  });
}
