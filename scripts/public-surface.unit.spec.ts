/**
 * The public surfaces of the workspace packages are what others use (docs/architecture.md):
 * - every name a package's src/index.ts exports is imported by another package, a script or a
 *   benchmark (a package's own tests import its modules, not its index);
 * - a type exported there is declared (an interface or a union), never inferred from an
 *   implementation (`ReturnType<typeof …>`);
 * - a service's code (tests aside) imports no other service: what two services share is a
 *   contract package. Only the hub, which mounts them all, imports services.
 * - no file under a src/domain/ folder (tests included) imports the HTTP kit, Fastify or an
 *   adapter package: the domain knows nothing of the edge nor of storage.
 * Read from the sources of the tree (the repository root, or LT_SURFACE_ROOT for another copy).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import ts from 'typescript';

const ROOT = process.env.LT_SURFACE_ROOT ?? fileURLToPath(new URL('..', import.meta.url));
/** Services' imports of other services that have no contract package yet: the catalog replica of dossiers. */
const KNOWN_SERVICE_EDGES = new Set(['@lienthong/dossiers → @lienthong/catalog']);
/** Exported types still inferred from their implementations (none left: keep it so). */
const KNOWN_INFERRED = new Set<string>([]);
/** What a domain file never imports: the HTTP edge and the adapters (ports' implementations, drivers). */
const NOT_IN_DOMAIN = [
  /^@lienthong\/(service-kit|event-store|bus|blob-store|projections)(\/|$)/,
  /^(fastify|@fastify\/.*|ws|nats|@nats-io\/.*|better-sqlite3|node:sqlite)$/,
];
const TEST_FILE = /(\.spec\.ts$|\/test\/|\/testing\/|\/testing\.ts$|\/test-helpers\.ts$)/;

interface Workspace {
  readonly name: string;
  readonly dir: string;
  readonly service: boolean;
}

function workspaces(): Workspace[] {
  return ['packages', 'services'].flatMap((base) =>
    readdirSync(join(ROOT, base)).flatMap((d) => {
      const manifest = join(ROOT, base, d, 'package.json');
      if (!statSync(join(ROOT, base, d)).isDirectory()) return [];
      const { name } = JSON.parse(readFileSync(manifest, 'utf8')) as { name: string };
      return [{ name, dir: `${base}/${d}`, service: base === 'services' }];
    }),
  );
}

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((entry) => {
    if (entry === 'node_modules' || entry === 'dist' || entry.startsWith('.')) return [];
    const path = `${dir}/${entry}`;
    if (statSync(join(ROOT, path)).isDirectory()) return sources(path);
    return /\.ts$/.test(entry) && !entry.endsWith('.d.ts') ? [path] : [];
  });
}

const parse = (path: string) => ts.createSourceFile(path, readFileSync(join(ROOT, path), 'utf8'), ts.ScriptTarget.Latest, true);

/** Per module specifier of @lienthong/*, the names each file imports from it (`*` for a namespace). */
function importsOf(path: string): Array<{ specifier: string; names: string[] }> {
  const found: Array<{ specifier: string; names: string[] }> = [];
  parse(path).forEachChild((node) => {
    if (!(ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) || node.moduleSpecifier === undefined) return;
    if (!ts.isStringLiteral(node.moduleSpecifier) || !node.moduleSpecifier.text.startsWith('@lienthong/')) return;
    const names: string[] = [];
    const bindings = ts.isImportDeclaration(node) ? node.importClause?.namedBindings : node.exportClause;
    if (bindings !== undefined && (ts.isNamedImports(bindings) || ts.isNamedExports(bindings)))
      for (const element of bindings.elements) names.push((element.propertyName ?? element.name).text);
    else names.push('*');
    found.push({ specifier: node.moduleSpecifier.text, names });
  });
  return found;
}

/** Every module a file names: import and export declarations, `import('…')` types and calls, `require`. */
function specifiersOf(path: string): string[] {
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier !== undefined &&
      ts.isStringLiteral(node.moduleSpecifier)
    )
      found.push(node.moduleSpecifier.text);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal))
      found.push(node.argument.literal.text);
    else if (
      ts.isCallExpression(node) &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === 'require'))
    ) {
      const [first] = node.arguments;
      if (first !== undefined && ts.isStringLiteralLike(first)) found.push(first.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(parse(path));
  return found;
}

/** The names an index exports, with the module each comes from. */
function exportsOf(indexPath: string): Array<{ name: string; from: string }> {
  const found: Array<{ name: string; from: string }> = [];
  parse(indexPath).forEachChild((node) => {
    if (!ts.isExportDeclaration(node) || node.moduleSpecifier === undefined || !ts.isStringLiteral(node.moduleSpecifier)) return;
    const from = node.moduleSpecifier.text;
    const clause = node.exportClause;
    if (clause !== undefined && ts.isNamedExports(clause)) for (const e of clause.elements) found.push({ name: e.name.text, from });
    else if (clause !== undefined && ts.isNamespaceExport(clause)) found.push({ name: clause.name.text, from });
    else found.push({ name: '*', from });
  });
  return found;
}

const all = workspaces();
const ownerOf = (path: string) => all.find((w) => path.startsWith(`${w.dir}/`));
const files = [...all.flatMap((w) => sources(`${w.dir}/src`)), ...sources('scripts')];
const imports = files.map((path) => ({ path, owner: ownerOf(path), imports: importsOf(path) }));

t.test('every name a package index exports is imported outside the package', async (t) => {
  for (const w of all) {
    const importers = imports.filter((f) => f.owner?.name !== w.name).flatMap((f) => f.imports.filter((i) => i.specifier === w.name));
    // The hub is the application: nothing depends on it, so its index is no surface for others.
    if (importers.length === 0) continue;
    const used = new Set(importers.flatMap((i) => i.names));
    const unused = exportsOf(`${w.dir}/src/index.ts`)
      .filter((e) => !used.has(e.name))
      .map((e) => e.name);
    t.same(unused, [], `${w.name} exports only what others import`);
  }
});

t.test('a type a package index exports is declared, not inferred from an implementation', async (t) => {
  for (const w of all) {
    for (const { name, from } of exportsOf(`${w.dir}/src/index.ts`)) {
      if (!from.startsWith('.')) continue;
      const module = join(`${w.dir}/src`, from.replace(/\.js$/, '.ts'));
      const text = readFileSync(join(ROOT, module), 'utf8');
      t.notMatch(text, new RegExp(`export type ${name}\\s*=\\s*(ReturnType|Awaited)<`), `${w.name}: ${name} (${module})`);
    }
  }
});

t.test('no module exports a type inferred from an implementation', async (t) => {
  const inferred = files
    .filter((path) => !TEST_FILE.test(path))
    .flatMap((path) =>
      [...readFileSync(join(ROOT, path), 'utf8').matchAll(/^export type (\w+)\s*(?:<[^=]*>)?\s*=\s*(?:Awaited<\s*)?ReturnType</gm)].map(
        (m) => `${path}: ${m[1]}`,
      ),
    );
  t.same(
    inferred.filter((found) => !KNOWN_INFERRED.has(found)),
    [],
    'every exported type is declared (an interface, a union, a function type)',
  );
});

t.test('services import no other service outside their tests: they share contract packages', async (t) => {
  const services = new Set(all.filter((w) => w.service).map((w) => w.name));
  const edges = new Set<string>();
  for (const f of imports) {
    if (f.owner === undefined || !f.owner.service || f.owner.name === '@lienthong/hub' || TEST_FILE.test(relative(f.owner.dir, f.path)))
      continue;
    for (const i of f.imports) {
      const target = i.specifier.split('/').slice(0, 2).join('/');
      if (services.has(target) && target !== f.owner.name) edges.add(`${f.owner.name} → ${target}`);
    }
  }
  t.same(
    [...edges].filter((e) => !KNOWN_SERVICE_EDGES.has(e)),
    [],
    'no service imports another',
  );
});

t.test('the domain imports neither the HTTP kit, Fastify nor an adapter', async (t) => {
  const domainFiles = files.filter((path) => /\/src\/(.+\/)?domain\//.test(path));
  t.ok(domainFiles.length > 0, 'domain files found');
  const offending = domainFiles.flatMap((path) =>
    specifiersOf(path)
      .filter((s) => NOT_IN_DOMAIN.some((rule) => rule.test(s)))
      .map((s) => `${path} → ${s}`),
  );
  t.same(offending, [], 'no domain file imports the edge or an adapter');
});
