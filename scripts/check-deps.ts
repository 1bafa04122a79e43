/**
 * `pnpm check:deps`: the dependencies each workspace package declares are the ones its sources use.
 *
 * For every package under packages/* and services/*, the bare module specifiers its src/** files
 * import (static imports and re-exports, `import('x')`, `require('x')`, and a package named as the
 * entry of `new Worker` / `startWorker` / `startProcess`) are compared with its package.json:
 * - every package imported must be declared: in dependencies (or peerDependencies), or, for test
 *   code only (`*.spec.ts`, src/test/, src/testing/, src/testing.ts), in devDependencies too;
 * - every package declared must be imported (`@types/*` exempt), and one in dependencies by
 *   something other than tests (else it belongs in devDependencies).
 * The benchmarks and the scripts (scripts/**) import workspace packages by name, never through a
 * ../packages/ or ../services/ source path, and the root package.json declares what they import;
 * the root declares nothing else but the tools run by name (ROOT_TOOLS).
 * Prints each finding with its package and files; exits 1 if there is any.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export interface Manifest {
  readonly name?: string;
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly devDependencies?: Readonly<Record<string, string>>;
  readonly peerDependencies?: Readonly<Record<string, string>>;
}

/** A source file: its path (relative to the package, or to the root for scripts) and its text. */
export interface SourceFile {
  readonly path: string;
  readonly text: string;
}

export type FindingKind =
  /** declared, imported by no file */
  | 'unused'
  /** imported, not declared */
  | 'undeclared'
  /** imported by code that is not a test, declared only in devDependencies */
  | 'dev-only'
  /** declared in dependencies, imported only by tests */
  | 'test-only'
  /** a script imports another package's source by path */
  | 'source-path';

export interface Finding {
  readonly kind: FindingKind;
  /** the package whose manifest is at fault (or `lienthong` for the root) */
  readonly pkg: string;
  /** the dependency (or, for source-path, the specifier) */
  readonly dependency: string;
  /** the files that import it (none for unused) */
  readonly files: readonly string[];
}

/** Tools the root declares that are run by name (`tap`, `node --import tsx`) rather than imported. */
export const ROOT_TOOLS: ReadonlySet<string> = new Set([
  'tap',
  'tsx',
  'typescript',
  'eslint',
  '@eslint/js',
  'typescript-eslint',
  'prettier',
]);

const SOURCE = /\.(?:[cm]?ts|tsx|[cm]?js)$/;
const BUILTINS = new Set(builtinModules);
const WORKER_STARTERS = new Set(['Worker', 'startWorker', 'startProcess']);

/** Every module specifier a file names: imports, re-exports, `import()`, `require()`, worker entries given as a string. */
export function specifiersOf(text: string): string[] {
  const found = ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
  // A worker's entry given as `new URL('./x.ts', import.meta.url)` is a file of the package, scanned as such;
  // one given as a string naming a package is a use of that package.
  if (/\b(?:Worker|startWorker|startProcess)\s*\(/.test(text)) {
    const visit = (node: ts.Node): void => {
      if ((ts.isNewExpression(node) || ts.isCallExpression(node)) && node.arguments !== undefined && node.arguments.length > 0) {
        const callee = node.expression;
        const name = ts.isIdentifier(callee) ? callee.text : ts.isPropertyAccessExpression(callee) ? callee.name.text : undefined;
        const first = node.arguments[0]!;
        if (name !== undefined && WORKER_STARTERS.has(name) && ts.isStringLiteralLike(first)) found.push(first.text);
      }
      ts.forEachChild(node, visit);
    };
    visit(ts.createSourceFile('file.ts', text, ts.ScriptTarget.Latest, false));
  }
  return found;
}

/** The package a bare specifier names (`@scope/name/sub` → `@scope/name`, `name/sub` → `name`); undefined for builtins and paths. */
export function packageOf(specifier: string): string | undefined {
  if (/^[./#]/.test(specifier) || /^[a-z][a-z0-9+.-]*:/i.test(specifier)) return undefined;
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
  return BUILTINS.has(name) ? undefined : name;
}

/** Test code, which may use devDependencies. */
export function isTestFile(path: string): boolean {
  const p = path.split(sep).join('/');
  return /\.spec\.[cm]?[jt]s$/.test(p) || /(^|\/)src\/(test|testing)\//.test(p) || /(^|\/)src\/testing\.[cm]?[jt]s$/.test(p);
}

class Findings {
  private readonly byKey = new Map<string, { kind: FindingKind; pkg: string; dependency: string; files: string[] }>();
  add(kind: FindingKind, pkg: string, dependency: string, file?: string): void {
    const key = `${kind}\0${pkg}\0${dependency}`;
    let f = this.byKey.get(key);
    if (f === undefined) this.byKey.set(key, (f = { kind, pkg, dependency, files: [] }));
    if (file !== undefined && !f.files.includes(file)) f.files.push(file);
  }
  list(): Finding[] {
    return [...this.byKey.values()];
  }
}

/** Which packages a set of files imports, each with the files that import it. */
function importsOf(files: readonly SourceFile[], self?: string) {
  const all = new Map<string, string[]>();
  const fromCode = new Set<string>();
  for (const file of files) {
    const test = isTestFile(file.path);
    for (const specifier of specifiersOf(file.text)) {
      const dependency = packageOf(specifier);
      if (dependency === undefined || dependency === self) continue;
      const at = all.get(dependency) ?? [];
      if (!at.includes(file.path)) at.push(file.path);
      all.set(dependency, at);
      if (!test) fromCode.add(dependency);
    }
  }
  return { all, fromCode };
}

/** The findings for one workspace package, given its manifest and its src/ files (paths relative to the package). */
export function checkPackage(manifest: Manifest, files: readonly SourceFile[]): Finding[] {
  const pkg = manifest.name ?? '(unnamed)';
  const prod = new Set([...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.peerDependencies ?? {})]);
  const dev = new Set(Object.keys(manifest.devDependencies ?? {}));
  const { all, fromCode } = importsOf(files, pkg);
  const out = new Findings();
  for (const file of files) {
    const test = isTestFile(file.path);
    for (const specifier of specifiersOf(file.text)) {
      const dependency = packageOf(specifier);
      if (dependency === undefined || dependency === pkg || prod.has(dependency)) continue;
      if (!dev.has(dependency)) out.add('undeclared', pkg, dependency, file.path);
      else if (!test) out.add('dev-only', pkg, dependency, file.path);
    }
  }
  for (const dependency of [...prod, ...dev]) {
    if (dependency.startsWith('@types/')) continue;
    if (!all.has(dependency)) out.add('unused', pkg, dependency);
    else if (prod.has(dependency) && !fromCode.has(dependency) && !Object.hasOwn(manifest.peerDependencies ?? {}, dependency)) {
      for (const file of all.get(dependency)!) out.add('test-only', pkg, dependency, file);
    }
  }
  return out.list();
}

/**
 * The root's findings, given its manifest and the files under scripts/ (paths relative to the root):
 * source paths into packages/ or services/, packages imported and not declared, packages declared
 * and not imported (tools of ROOT_TOOLS and `@types/*` exempt).
 */
export function checkRoot(root: Manifest, files: readonly SourceFile[]): Finding[] {
  const pkg = root.name ?? '(root)';
  const declared = new Set([...Object.keys(root.dependencies ?? {}), ...Object.keys(root.devDependencies ?? {})]);
  const { all } = importsOf(files);
  const out = new Findings();
  for (const file of files) {
    for (const specifier of specifiersOf(file.text)) {
      if (/(^|\/)\.\.\/(?:.*\/)?(?:packages|services)\//.test(specifier)) out.add('source-path', pkg, specifier, file.path);
      const dependency = packageOf(specifier);
      if (dependency !== undefined && !declared.has(dependency)) out.add('undeclared', pkg, dependency, file.path);
    }
  }
  for (const dependency of declared) {
    if (!all.has(dependency) && !ROOT_TOOLS.has(dependency) && !dependency.startsWith('@types/')) out.add('unused', pkg, dependency);
  }
  return out.list();
}

export function describe(f: Finding): string {
  const files = f.files.length <= 3 ? f.files.join(', ') : `${f.files.slice(0, 3).join(', ')} and ${f.files.length - 3} more`;
  switch (f.kind) {
    case 'unused':
      return `${f.pkg}: declares ${f.dependency}, which no file imports`;
    case 'undeclared':
      return `${f.pkg}: imports ${f.dependency}, which its package.json does not declare (${files})`;
    case 'dev-only':
      return `${f.pkg}: imports ${f.dependency} outside tests, but declares it only in devDependencies (${files})`;
    case 'test-only':
      return `${f.pkg}: declares ${f.dependency} in dependencies, but only tests import it: a devDependency (${files})`;
    case 'source-path':
      return `${f.pkg}: imports ${f.dependency} by source path; import the package by name (${files})`;
  }
}

function walk(dir: string, out: string[] = []): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of names.sort()) {
    if (name === 'node_modules') continue;
    const full = join(dir, name);
    if (statSync(full).isDirectory()) walk(full, out);
    else if (SOURCE.test(name) && !name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

function readSources(base: string, dir: string): SourceFile[] {
  return walk(dir).map((full) => ({ path: relative(base, full).split(sep).join('/'), text: readFileSync(full, 'utf8') }));
}

function main(): void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const findings: Finding[] = [];
  let packages = 0;
  for (const group of ['packages', 'services']) {
    for (const name of readdirSync(join(root, group)).sort()) {
      const dir = join(root, group, name);
      let manifest: Manifest;
      try {
        manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
      } catch {
        continue;
      }
      packages++;
      for (const f of checkPackage(manifest, readSources(dir, join(dir, 'src'))))
        findings.push({ ...f, files: f.files.map((file) => `${group}/${name}/${file}`) });
    }
  }
  const rootManifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Manifest;
  findings.push(...checkRoot(rootManifest, readSources(root, join(root, 'scripts'))));
  for (const f of findings) console.error(describe(f));
  if (findings.length > 0) {
    console.error(`check:deps: ${findings.length} finding(s)`);
    process.exit(1);
  }
  console.log(`check:deps: ${packages} packages and the root declare the dependencies they import, and only those`);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) main();
