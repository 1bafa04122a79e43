/**
 * The production build: the hub and the CLI run from their compiled, bundled output, with no
 * TypeScript loader in the process (no tsx flag, no NODE_OPTIONS, every module a .js of dist/).
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { buildHub, childEnv, COMPILED_NODE_ARGS, HUB_CLI, HUB_MAIN, REPO_ROOT, startCompiledHub, tempDir } from '@lienthong/testing';
import t from 'tap';

function cli(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const argv = [...COMPILED_NODE_ARGS, HUB_CLI, ...args];
    execFile(
      process.execPath,
      argv,
      { cwd: REPO_ROOT, env: childEnv({ LT_LOG_LEVEL: 'error' }), timeout: 30_000 },
      (error, stdout, stderr) => done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

t.test('the compiled hub and CLI', async (t) => {
  // Incremental: quick when `pnpm build` ran before (as in CI). Type errors elsewhere are reported, not fatal here.
  const built = await buildHub();
  if (!built.ok) t.comment(`tsc -b reported errors:\n${built.output.slice(0, 2000)}`);

  const dataDir = join(tempDir(t, 'lt-compiled-'), 'data');
  const adminToken = 'compiled-spec-admin-token-0123456789';
  const hub = await startCompiledHub(dataDir, { LT_PARSE_WORKERS: '1', LT_ADMIN_TOKEN: adminToken });
  t.teardown(() => hub.child.kill('SIGKILL'));

  const cmdline = readFileSync(`/proc/${hub.child.pid}/cmdline`, 'utf8')
    .split('\0')
    .filter((a) => a !== '');
  t.same(cmdline.slice(1), [...COMPILED_NODE_ARGS, HUB_MAIN], 'node with the compiled condition only: no --import tsx');
  // tap adds its process-info hook to every child's NODE_OPTIONS; a TypeScript loader must not be there.
  const nodeOptions = readFileSync(`/proc/${hub.child.pid}/environ`, 'utf8')
    .split('\0')
    .filter((v) => v.startsWith('NODE_OPTIONS='));
  t.notMatch(nodeOptions.join(' '), /tsx|ts-node|--loader|--experimental-strip-types/, 'no TypeScript loader in NODE_OPTIONS');

  const ready = await fetch(`${hub.url}/health/ready`);
  t.equal(ready.status, 200);
  t.match(await ready.json(), { status: 'ready' });
  // The tracker's pages are read from src/pages by the compiled dist/http/pages.js.
  const board = await fetch(`${hub.url}/board`);
  t.equal(board.status, 200);
  t.match(await board.text(), /<html/i);
  const asset = await fetch(`${hub.url}/assets/tracker/tracker.css`);
  t.equal(asset.status, 200);
  // The Swagger UI is bundled: its page, logo and scripts are still read beside its package.
  const docs = await fetch(`${hub.url}/docs`);
  t.equal(docs.status, 200);
  t.match(await docs.text(), /swagger-ui/i);
  for (const file of ['logo.svg', 'swagger-ui-bundle.js', 'index.css']) {
    const served = await fetch(`${hub.url}/docs/static/${file}`);
    t.equal(served.status, 200, `/docs/static/${file}`);
    t.ok((await served.arrayBuffer()).byteLength > 0, `/docs/static/${file} has a body`);
  }
  // zod's English messages: the bundle keeps only that locale of zod's.
  const refused = await fetch(`${hub.url}/v1/catalog/procedures/1.004227`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 5 }),
  });
  t.equal(refused.status, 400);
  t.match(await refused.json(), { errors: [{ path: 'body/name', message: /expected string, received number/ }] });
  t.equal(await hub.stop(), 0, 'stops cleanly on SIGTERM');

  // The compiled CLI on the store the compiled hub created: an empty store, sealed at 0.
  const verified = await cli(['--data-dir', dataDir, 'verify']);
  t.equal(verified.code, 0, verified.stderr);
  t.match(JSON.parse(verified.stdout), { ok: true });
});

/**
 * A static import in a bundle file, at any top-level place (esbuild leaves each where its module
 * was): `import{…}from"./x.js"`, `import y from"../…/node_modules/…/z.js"`, `import"./x.js"`.
 * Relative paths only: chunks and external packages (`node:` built-ins aside).
 */
const STATIC_IMPORT = /(?:^|[;}\n])\s*import\s*(?:[\w${}\s,*]*?from\s*)?["'](\.{1,2}\/[^"']+\.(?:m?js|cjs))["']/g;

/** The files the hub's entry imports statically, followed through its chunks (what `import()` loads later is not). */
function staticClosure(entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    if (!file.startsWith(dirname(HUB_MAIN))) return; // an external package: not followed
    for (const [, specifier] of readFileSync(file, 'utf8').matchAll(STATIC_IMPORT)) visit(resolve(dirname(file), specifier!));
  };
  visit(entry);
  return seen;
}

t.test('a start loads none of what only a configuration or a first request needs', async (t) => {
  const built = await buildHub();
  if (!built.ok) t.comment(`tsc -b reported errors:\n${built.output.slice(0, 2000)}`);
  const loaded = [...staticClosure(HUB_MAIN)];
  t.ok(
    loaded.some((f) => f.includes('/node_modules/.pnpm/better-sqlite3@')),
    'the closure reaches the external packages (better-sqlite3)',
  );
  // Imported only for postgres://, esdb://, LT_NATS_URL, a signature check, an upload, a signed peer call, an XLSX export, LT_SMTP_URL.
  for (const lazy of [
    'postgres',
    '@eventstore/db-client',
    '@nats-io/transport-node',
    'xml-crypto',
    '@xmldom/xmldom',
    'file-type',
    'http-message-signatures',
    'exceljs',
    'nodemailer',
  ])
    t.notOk(
      loaded.some((f) => f.includes(`/node_modules/${lazy}/`)),
      `${lazy} is not imported at start`,
    );
});
