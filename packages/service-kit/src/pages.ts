import { readFileSync } from 'node:fs';
import { extname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { notFound } from './errors.js';

/**
 * The script every page uses for dates on the Vietnam clock (`window.vnTime.when(iso)`): a
 * service with pages lists it among its assets as `vn-time.js`. Kept in src/ (not emitted by
 * tsc): found from src/ and from the compiled dist/ alike.
 */
export const VN_TIME_SCRIPT: string = fileURLToPath(new URL('../src/pages/vn-time.js', import.meta.url));

/** One file served under the pages' asset prefix. */
export interface PageAsset {
  /** Absolute path, or a name in the pages' folder. */
  readonly file: string;
  /** Sent as `x-lienthong-asset-version` (e.g. a served library's version). */
  readonly version?: string;
}

/** The plain-file pages of a service (no build step) and their assets. */
export interface PagesOptions {
  /** The folder holding the pages (kept in `src/`, found from `src/` and `dist/` alike). */
  readonly dir: string;
  /** Route → HTML file name in `dir`, e.g. `{'/': 'lookup.html'}`. */
  readonly pages: Readonly<Record<string, string>>;
  /** Where the assets are served, e.g. `/assets/tracker`. */
  readonly assetsAt: string;
  /** Asset name in the URL → its file; a name alone is a file of `dir`. */
  readonly assets: Readonly<Record<string, PageAsset | string>>;
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** Scripts and styles only from here; fetches and sockets only to here; no framing. */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

const secured = (reply: FastifyReply): FastifyReply =>
  reply.header('content-security-policy', CSP).header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer');

/**
 * Serves a service's pages and their assets: every file read once at registration (a missing
 * file fails the start, not a citizen's request), public, hidden from `/docs`, under one strict
 * content security policy; pages revalidated, assets cached five minutes.
 */
export async function servePages(app: FastifyInstance, options: PagesOptions): Promise<void> {
  const read = (file: string) => readFileSync(isAbsolute(file) ? file : join(options.dir, file), 'utf8');
  const route = { config: { auth: 'public' as const }, schema: { hide: true } };
  for (const [path, file] of Object.entries(options.pages)) {
    const body = read(file);
    app.get(path, route, async (_request, reply) =>
      secured(reply).type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(body),
    );
  }
  const assets = new Map(
    Object.entries(options.assets).map(([name, asset]) => {
      const { file, version } = typeof asset === 'string' ? { file: asset, version: undefined } : asset;
      const type = TYPES[extname(name)];
      if (type === undefined) throw new Error(`no media type for asset ${name}`);
      return [name, { body: read(file), type, version }] as const;
    }),
  );
  app.get<{ Params: { file: string } }>(`${options.assetsAt}/:file`, route, async (request, reply) => {
    const asset = assets.get(request.params.file);
    if (!asset) throw notFound(`no asset ${request.params.file}`);
    secured(reply).type(asset.type).header('cache-control', 'public, max-age=300');
    if (asset.version !== undefined) reply.header('x-lienthong-asset-version', asset.version);
    return reply.send(asset.body);
  });
}
