import t from 'tap';
import { checkPackage, checkRoot, describe, isTestFile, packageOf, specifiersOf } from './check-deps.js';

t.test('a specifier names its package; builtins and paths name none', async (t) => {
  t.equal(packageOf('fastify'), 'fastify');
  t.equal(packageOf('tsx/esm/api'), 'tsx');
  t.equal(packageOf('@lienthong/platform/testing'), '@lienthong/platform');
  t.equal(packageOf('@scope/name'), '@scope/name');
  t.equal(packageOf('node:fs'), undefined);
  t.equal(packageOf('fs'), undefined, 'a builtin without node:');
  t.equal(packageOf('./x.js'), undefined);
  t.equal(packageOf('../../packages/bus/src/index.js'), undefined);
});

t.test('every kind of import is seen', async (t) => {
  const text = [
    "import a from 'static-default';",
    "import type { B } from 'types-only';",
    "export { c } from 're-exported';",
    "export * from '@scope/star/sub';",
    "const d = await import('dynamic');",
    "const e = require('required');",
    "new Worker('worker-package');",
    "startWorker(new URL('./local.ts', import.meta.url));",
    "// import x from 'in-a-comment';",
    'const s = "new Worker(\'in-a-string\')";',
  ].join('\n');
  t.same(specifiersOf(text).map(packageOf).filter(Boolean).sort(), [
    '@scope/star',
    'dynamic',
    're-exported',
    'required',
    'static-default',
    'types-only',
    'worker-package',
  ]);
});

t.test('test code: *.spec.ts, src/test/, src/testing/, src/testing.ts', async (t) => {
  t.ok(isTestFile('src/a.unit.spec.ts'));
  t.ok(isTestFile('src/test/helpers.ts'));
  t.ok(isTestFile('src/testing/contract.ts'));
  t.ok(isTestFile('src/testing.ts'));
  t.notOk(isTestFile('src/http/routes.ts'));
  t.notOk(isTestFile('src/testing-time.ts'));
});

t.test('a package: its unused and undeclared dependencies, each with the files', async (t) => {
  const manifest = {
    name: '@x/fake',
    dependencies: { fastify: '^5', 'fastify-plugin': '^5', ajv: '^8', zod: '^4' },
    devDependencies: { tap: '^21', ws: '^8', '@types/ws': '^8', 'only-dev': '^1' },
  };
  const files = [
    {
      path: 'src/index.ts',
      text: "import { z } from 'zod';\nimport type { FastifyInstance } from 'fastify';\nexport * from './self.js';\nimport '@x/fake/sub';",
    },
    { path: 'src/stream.ts', text: "import type WebSocket from 'ws';\nimport { x } from '@lienthong/bus';" },
    {
      path: 'src/stream.unit.spec.ts',
      text: "import t from 'tap';\nimport WebSocket from 'ws';\nimport { Ajv } from 'ajv';\nimport { y } from '@lienthong/testing';",
    },
    { path: 'src/testing/contract.ts', text: "import t from 'tap';\nimport { z } from 'only-dev';" },
  ];
  const findings = checkPackage(manifest, files);
  const by = (kind: string) => findings.filter((f) => f.kind === kind).map((f) => [f.dependency, ...f.files]);
  t.same(by('unused'), [['fastify-plugin']], 'declared and imported by no file; @types/* exempt; its own name is no dependency');
  t.same(by('undeclared').sort(), [
    ['@lienthong/bus', 'src/stream.ts'],
    ['@lienthong/testing', 'src/stream.unit.spec.ts'],
  ]);
  t.same(by('dev-only'), [['ws', 'src/stream.ts']], 'code that is not a test needs it in dependencies');
  t.same(by('test-only'), [['ajv', 'src/stream.unit.spec.ts']], 'only tests use it: a devDependency');
  t.equal(findings.length, 5);
  for (const f of findings) t.match(describe(f), f.pkg);
  const clean = [
    {
      path: 'src/index.ts',
      text: "import { z } from 'zod';\nimport { Worker } from 'node:worker_threads';\nimport { own } from '@x/clean/sub';",
    },
    { path: 'src/a.unit.spec.ts', text: "import t from 'tap';\nimport { z } from 'zod';" },
  ];
  t.same(checkPackage({ name: '@x/clean', dependencies: { zod: '^4' }, devDependencies: { tap: '^21' } }, clean), [], 'nothing to report');
});

t.test('the root: scripts import packages by name, and declare them', async (t) => {
  const root = { name: 'root', devDependencies: { tap: '^21', tsx: '^4', '@x/a': 'workspace:*', unused: '^1', '@types/node': '^20' } };
  const files = [
    {
      path: 'scripts/bench/a.bench.ts',
      text: "import { a } from '@x/a';\nimport { b } from '../../packages/b/src/index.js';\nimport c from 'c';\nimport { t } from './types.js';",
    },
  ];
  const findings = checkRoot(root, files);
  t.same(
    findings.map((f) => [f.kind, f.dependency]),
    [
      ['source-path', '../../packages/b/src/index.js'],
      ['undeclared', 'c'],
      ['unused', 'unused'],
    ],
    'tools run by name (tap, tsx) and @types/* are exempt from unused',
  );
});
