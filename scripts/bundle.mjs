// The hub's production bundle: after `tsc -b tsconfig.build.json`, esbuild joins the compiled
// workspace code the hub's entry points reach (services/hub/dist/main.js and cli.js, with every
// service modules.ts mounts and the packages they use) and the third-party packages it imports
// into a few files in services/hub/dist/bundle/, so that Node resolves, reads, lexes and links
// about 250 files at start instead of about 1,300 (module loading was most of the hub's start-up).
// Left to Node, each its own files in node_modules imported by a path relative to the bundle,
// are the packages of EXTERNAL: native code, packages that read files beside themselves, and big
// ones the hub imports only when a configuration or a first request needs them. `import.meta.url`
// in workspace code keeps meaning its own compiled file, so worker entries, pages and schema
// folders resolve as before. Dynamic imports stay lazy (split chunks). Skipped when the bundle is
// newer than every file it was built from.
//
// Each build writes a directory of its own beside it, services/hub/dist/.bundle-<id>/, and then
// points the symbolic link services/hub/dist/bundle at it (a rename: atomic), so a start never sees
// a half-written bundle and a process keeps loading its lazy chunks from the build it started
// from (Node resolves the link when it loads the entry). Older builds are deleted once they are
// 10 minutes old (a start that began from one just before may still be loading it), so chunks do
// not accumulate; two builds at once each write their own directory and the last link wins.
//
// Usage: node scripts/bundle.mjs [--force]
import {
  existsSync,
  lstatSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const HUB_DIST = join(ROOT, 'services', 'hub', 'dist');
/** A symbolic link to the current build's directory, `.bundle-<id>` beside it. */
const OUT_DIR = join(HUB_DIST, 'bundle');
const BUILD_PREFIX = '.bundle-';
/** How long a replaced build is kept for starts that may still be loading it. */
const KEEP_MS = 10 * 60_000;
const ENTRIES = [join(HUB_DIST, 'main.js'), join(HUB_DIST, 'cli.js')];
const META = join(OUT_DIR, 'meta.json');
/**
 * Third-party packages kept out of the bundle (with whatever they import), by name:
 * - native code found beside the package: better-sqlite3 (through bindings);
 * - files read beside the package at run time: pino's transport workers (the Swagger UI's assets
 *   are read beside it too, but it is bundled: see DIRNAME_KEPT);
 * - imported only when needed (a PostgreSQL, EventStoreDB or NATS URL, a signed edXML document,
 *   an upload, a federation peer, an XLSX export, LT_SMTP_URL): bundling them would only make a chunk of them.
 */
const EXTERNAL = [
  'better-sqlite3',
  'pino',
  'postgres',
  '@eventstore/db-client',
  '@nats-io/transport-node',
  '@nats-io/jetstream',
  '@nats-io/obj',
  'xml-crypto',
  '@xmldom/xmldom',
  'file-type',
  'http-message-signatures',
  'exceljs',
  'nodemailer',
];
/**
 * Bundled CommonJS packages that find files beside themselves through `__dirname` (which an ES
 * module has not): there it names the package file's own directory, as when Node loaded it. The
 * Swagger UI (its page, logo and scripts under static/) is bundled so: left to Node, it and what
 * it requires (@fastify/static, send, a second copy of yaml…) were ~100 files read and compiled
 * at every start (~30-50 ms before listening).
 */
const DIRNAME_KEPT = ['@fastify/swagger-ui'];
const DIRNAME_KEPT_FILE = new RegExp(`[\\/]node_modules[\\/](${DIRNAME_KEPT.map((name) => name.replace('/', '[\\/]')).join('|')})[\\/]`);

/**
 * zod's `locales` namespace (its messages in ~60 languages, a tenth of the bundle's code) reduced
 * to the English the hub uses: zod sets it as its default itself, and nothing here calls
 * `z.config(z.locales.xx())`. Each start parsed and compiled the rest for nothing.
 */
const ZOD_LOCALES = /[\\/]node_modules[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/;

/** Compiled workspace code and third-party code: bundled, but for EXTERNAL (and node: built-ins). */
const WORKSPACE_DIST = new RegExp(`^${ROOT.replaceAll('\\', '\\\\')}(packages|services)[\\\\/][^\\\\/]+[\\\\/]dist[\\\\/]`);

/** This build's directory: a sibling of OUT_DIR, so paths relative to either are the same. */
const BUILD_DIR = join(HUB_DIST, `${BUILD_PREFIX}${Date.now().toString(36)}-${process.pid}`);

const fromBundle = (file) => {
  const path = relative(BUILD_DIR, file).split(sep).join('/');
  return path.startsWith('.') ? path : `./${path}`;
};

/** True when the bundle exists and no input it lists (nor an entry) changed since. */
function upToDate() {
  if (!existsSync(META)) return false;
  const built = statSync(META).mtimeMs;
  const { inputs } = JSON.parse(readFileSync(META, 'utf8'));
  return [...ENTRIES, ...Object.keys(inputs).map((file) => join(ROOT, file))].every(
    (file) => existsSync(file) && statSync(file).mtimeMs <= built,
  );
}

/** The package a bare specifier names: `@scope/name` or `name`. */
const packageOf = (specifier) =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');

const externals = {
  name: 'lienthong-externals',
  setup(b) {
    // A bare import of an EXTERNAL package: resolved as Node would from the importing file, then
    // kept external under its path from the bundle (the bundle's own node_modules differ).
    b.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.pluginData === 'inner' || args.path.startsWith('node:') || args.path.startsWith('@lienthong/')) return undefined;
      const found = await b.resolve(args.path, {
        kind: args.kind,
        resolveDir: args.resolveDir,
        importer: args.importer,
        pluginData: 'inner',
      });
      // An optional peer that is not installed (ws's bufferutil): its `require` stays, inside the try that expects it to fail.
      if (found.errors.length > 0) return args.kind === 'require-call' ? { path: args.path, external: true } : { errors: found.errors };
      if (found.external) return found;
      if (!EXTERNAL.includes(packageOf(args.path))) return { path: found.path };
      return { path: fromBundle(found.path), external: true };
    });
    // Workspace code: `import.meta.url` is its own compiled file's, as when it ran unbundled.
    b.onLoad({ filter: /\.js$/ }, async (args) => {
      if (ZOD_LOCALES.test(args.path))
        return { contents: 'export { default as en } from "./en.js";', loader: 'js', resolveDir: dirname(args.path) };
      if (DIRNAME_KEPT_FILE.test(args.path)) {
        const text = await readFile(args.path, 'utf8');
        // (No `import.meta` here: it would make esbuild take the file for an ES module. __ltBundleUrl is the banner's.)
        const own = `require('node:path').dirname(require('node:url').fileURLToPath(new URL(${JSON.stringify(fromBundle(args.path))}, __ltBundleUrl)))`;
        return { contents: text.replaceAll('__dirname', `(${own})`), loader: 'js', resolveDir: dirname(args.path) };
      }
      if (!WORKSPACE_DIST.test(args.path)) return undefined;
      const text = await readFile(args.path, 'utf8');
      const own = `new URL(${JSON.stringify(fromBundle(args.path))}, import.meta.url).href`;
      return { contents: text.replaceAll('import.meta.url', own), loader: 'js', resolveDir: dirname(args.path) };
    });
  },
};

/** Points OUT_DIR at this build (a link renamed over the old one); a directory of before links were used is moved aside first. */
function publish() {
  const link = `${OUT_DIR}.${process.pid}.link`;
  rmSync(link, { force: true });
  symlinkSync(basename(BUILD_DIR), link);
  if (existsSync(OUT_DIR) && !lstatSync(OUT_DIR).isSymbolicLink()) renameSync(OUT_DIR, `${BUILD_DIR}-old`);
  renameSync(link, OUT_DIR);
}

/** Deletes the builds OUT_DIR no longer points at once they are KEEP_MS old, and links left by a bundler that died. */
function cleanUp() {
  const current = lstatSync(OUT_DIR).isSymbolicLink() ? basename(readlinkSync(OUT_DIR)) : null;
  for (const name of readdirSync(HUB_DIST)) {
    const path = join(HUB_DIST, name);
    const old = () => Date.now() - lstatSync(path, { throwIfNoEntry: false })?.mtimeMs > KEEP_MS;
    if ((name.startsWith(BUILD_PREFIX) && name !== current && old()) || (name.startsWith('bundle.') && name.endsWith('.link') && old()))
      rmSync(path, { recursive: true, force: true });
  }
}

if (process.argv.includes('--force') || !upToDate()) {
  const result = await build({
    entryPoints: ENTRIES,
    outdir: BUILD_DIR,
    bundle: true,
    splitting: true,
    chunkNames: '[name]-[hash]',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Workspace packages resolve to their compiled dist/ (as under `node --conditions=lienthong-compiled`).
    conditions: ['lienthong-compiled'],
    plugins: [externals],
    // CommonJS packages in an ES module: their `require` of built-ins and of EXTERNAL packages.
    banner: {
      js: "import { createRequire as __ltCreateRequire } from 'node:module'; const __ltBundleUrl = import.meta.url; const require = __ltCreateRequire(__ltBundleUrl);",
    },
    metafile: true,
    absWorkingDir: ROOT,
    logLevel: 'warning',
    // Minified: a fifth less to parse and ~14 MB less resident (the source V8 keeps). Names kept
    // (Fastify plugins and errors are known by them); stack traces map back to dist/ with
    // `node --enable-source-maps` through the linked .map files.
    minify: true,
    keepNames: true,
    sourcemap: 'linked',
  });
  writeFileSync(join(BUILD_DIR, 'meta.json'), JSON.stringify({ inputs: result.metafile.inputs }));
  publish();
}
cleanUp();
