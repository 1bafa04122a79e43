/**
 * The production build compiles the runtime only (docs/operations.md, production build):
 * - each package's tsconfig.build.json holds its src/ without specs and test helpers, and refers to
 *   the workspace packages of its `dependencies` only (a production install has no others);
 * - the root tsconfig.build.json (`pnpm start`, `pnpm lienthong`, each service's `start`) builds
 *   those and nothing else; the root tsconfig.json (`pnpm build`, CI) checks everything: each
 *   package's tsconfig.json (its specs and test helpers) and the scripts.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
// A package's scripts/ (run with tsx, never shipped) are type-checked with its tests.
const TEST_FILE =
  /(\.spec\.ts$|\/src\/test\/|\/src\/testing\/|\/src\/testing\.ts$|\/src\/test-helpers\.ts$|^(packages|services)\/[^/]+\/scripts\/[^/]+\.ts$)/;
/** Helpers for tests and benchmarks only: checked with the tests, never built for production. */
const TEST_ONLY_PACKAGES = new Set(['packages/testing']);

interface Manifest {
  readonly name: string;
  readonly dependencies?: Record<string, string>;
  readonly scripts?: Record<string, string>;
}

const manifest = (dir: string) => JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8')) as Manifest;
const packageDirs = ['packages', 'services']
  .flatMap((base) => readdirSync(join(ROOT, base)).map((d) => `${base}/${d}`))
  .filter((d) => existsSync(join(ROOT, d, 'package.json')));
const dirOf = new Map(packageDirs.map((d) => [manifest(d).name, d]));

function parse(configPath: string): ts.ParsedCommandLine {
  const file = join(ROOT, configPath);
  const read = ts.readConfigFile(file, (path) => ts.sys.readFile(path));
  if (read.error) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, '\n'));
  return ts.parseJsonConfigFileContent(read.config, ts.sys, dirname(file), undefined, file);
}
/** The configs a config refers to, relative to the root (a folder stands for its tsconfig.json). */
const referenced = (config: ts.ParsedCommandLine) =>
  (config.projectReferences ?? []).map((r) => {
    const path = relative(ROOT, resolve(r.path));
    return path.endsWith('.json') ? path : join(path, 'tsconfig.json');
  });

t.test('each package: a runtime build without tests, referring to its dependencies only', async (t) => {
  for (const dir of packageDirs) {
    const build = parse(`${dir}/tsconfig.build.json`);
    const files = build.fileNames.map((f) => relative(ROOT, f));
    t.same(
      files.filter((f) => TEST_FILE.test(f)),
      [],
      `${dir}: no spec nor test helper built`,
    );
    t.ok(files.length > 0, `${dir}: builds its sources`);
    const runtime = Object.keys(manifest(dir).dependencies ?? {}).flatMap((n) =>
      dirOf.has(n) ? [`${dirOf.get(n)}/tsconfig.build.json`] : [],
    );
    t.same(referenced(build).toSorted(), runtime.toSorted(), `${dir}: refers to the builds of its dependencies`);

    const tests = parse(`${dir}/tsconfig.json`);
    t.equal(tests.options.noEmit, true, `${dir}: its tests are checked, not emitted`);
    t.ok(referenced(tests).includes(`${dir}/tsconfig.build.json`), `${dir}: its tests are checked against its build`);
    const testFiles = tests.fileNames.map((f) => relative(ROOT, f));
    t.same(
      testFiles.filter((f) => !TEST_FILE.test(f)),
      [],
      `${dir}: the tests' config holds tests only`,
    );
    const sources = (function walk(d: string): string[] {
      return readdirSync(join(ROOT, d), { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? walk(`${d}/${e.name}`) : e.name.endsWith('.ts') ? [`${d}/${e.name}`] : [],
      );
    })(`${dir}/src`);
    t.same(
      sources.filter((f) => !files.includes(f) && !testFiles.includes(f)),
      [],
      `${dir}: every source is built or checked`,
    );
  }
});

t.test('the root: pnpm start builds the runtime, pnpm build checks everything', async (t) => {
  const runtime = packageDirs.filter((d) => !TEST_ONLY_PACKAGES.has(d));
  t.same(
    referenced(parse('tsconfig.build.json')).toSorted(),
    runtime.map((d) => `${d}/tsconfig.build.json`).toSorted(),
    'tsconfig.build.json: every runtime package',
  );
  t.same(
    referenced(parse('tsconfig.json')).toSorted(),
    [...packageDirs.map((d) => `${d}/tsconfig.json`), 'scripts/tsconfig.json'].toSorted(),
    'tsconfig.json: every package with its tests, and the scripts',
  );
  const scripts = manifest('.').scripts ?? {};
  t.match(scripts.start, /^tsc -b tsconfig\.build\.json && /, 'pnpm start builds the runtime only');
  t.match(scripts.lienthong, /^tsc -b tsconfig\.build\.json && /, 'pnpm lienthong too');
  t.equal(scripts.build, 'tsc -b tsconfig.json', 'pnpm build checks everything');
  for (const dir of packageDirs) {
    const start = manifest(dir).scripts?.start;
    if (start !== undefined) t.match(start, /^tsc -b tsconfig\.build\.json && /, `${dir}: start builds its runtime only`);
  }
});
