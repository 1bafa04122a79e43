/**
 * The multi-machine example in infra/ holds: one systemd unit per process that runs alone (every
 * services/<name>/src/main.ts, the hub included), each reading the shared environment file then
 * its own, each passing `systemd-analyze verify`; the NATS node configuration passes
 * `nats-server -t`. Where a binary is missing, its test fails under CI (.ci/run installs Debian's
 * `systemd` and `nats-server`) and is skipped elsewhere.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { COMPILED_NODE_ARGS, tempDir } from '@lienthong/testing';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const UNITS = join(ROOT, 'infra/systemd');

function binary(name: string, t: { fail(message: string): unknown; skip(name: string, fn: () => void): unknown }): string | undefined {
  const found = ['/usr/bin', '/bin', '/usr/sbin', '/usr/local/bin'].map((d) => join(d, name)).find((p) => existsSync(p));
  if (found) return found;
  const message = `${name} not found (apt-get install ${name === 'systemd-analyze' ? 'systemd' : name})`;
  if (process.env.CI) t.fail(message);
  else t.skip(message, () => {});
  return undefined;
}

const services = readdirSync(join(ROOT, 'services')).filter((s) => existsSync(join(ROOT, 'services', s, 'src/main.ts')));
const units = readdirSync(UNITS).filter((f) => f.endsWith('.service'));

t.test('a unit per process that runs alone, each reading the shared then its own environment file', async (t) => {
  t.same(units.sort(), services.map((s) => `lienthong-${s}.service`).sort(), 'one unit per services/*/src/main.ts');
  for (const service of services) {
    const text = readFileSync(join(UNITS, `lienthong-${service}.service`), 'utf8');
    t.match(text, /^EnvironmentFile=\/etc\/lienthong\/lienthong\.env$/m, `${service}: the deployment's shared file`);
    t.match(text, new RegExp(`^EnvironmentFile=-/etc/lienthong/${service}\\.env$`, 'm'), `${service}: its own file`);
    t.match(text, new RegExp(`^WorkingDirectory=/opt/lienthong/services/${service}$`, 'm'), `${service}: its compiled package`);
    // The hub runs its bundle, with the flags of `pnpm start`; a service alone its compiled entry.
    const entry =
      service === 'hub'
        ? `ExecStart=/usr/bin/node ${COMPILED_NODE_ARGS.join(' ')} dist/bundle/main.js`
        : 'ExecStart=/usr/bin/node --conditions=lienthong-compiled dist/main.js';
    t.ok(text.split('\n').includes(entry), `${service}: the compiled entry (${entry})`);
  }
});

t.test('pnpm start runs the bundle with the flags the hub unit and the tests use', async (t) => {
  const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  t.match(scripts.start ?? '', `node ${COMPILED_NODE_ARGS.join(' ')} services/hub/dist/bundle/main.js`);
});

t.test('systemd-analyze verify passes on every unit', async (t) => {
  const analyze = binary('systemd-analyze', t);
  if (!analyze) return;
  // ExecStart must name an executable that exists here: where node lives elsewhere than in the
  // units' /usr/bin/node, verify copies whose ExecStart names this node.
  const dir = tempDir(t, 'lt-units-');
  for (const unit of units) {
    const text = readFileSync(join(UNITS, unit), 'utf8');
    if (existsSync('/usr/bin/node')) copyFileSync(join(UNITS, unit), join(dir, unit));
    else writeFileSync(join(dir, unit), text.replace('/usr/bin/node', process.execPath));
  }
  const run = spawnSync(analyze, ['verify', '--man=no', ...units.map((u) => join(dir, u))], { encoding: 'utf8' });
  t.equal(run.status, 0, `exit 0: ${run.stderr}`);
  t.same(
    run.stderr.split('\n').filter((line) => /lienthong-/.test(line)),
    [],
    'no warning about any unit (an unknown key only warns)',
  );
});

t.test('the NATS node configuration is valid', async (t) => {
  const nats = process.env.LT_NATS_SERVER ?? binary('nats-server', t);
  if (!nats) return;
  const run = spawnSync(nats, ['-t', '-c', join(ROOT, 'infra/nats/nats-cluster.conf')], { encoding: 'utf8' });
  t.equal(run.status, 0, `nats-server -t: ${run.stdout}${run.stderr}`);
  t.match(`${run.stdout}${run.stderr}`, /is valid/);
});

t.test(
  "infra/README.md's second process of a service: its own env file and state directory, and systemd-analyze verify passes",
  async (t) => {
    const readme = readFileSync(join(ROOT, 'infra/README.md'), 'utf8');
    const block = /```sh\n(sed [\s\S]*?)\n```/.exec(readme)?.[1];
    if (!block) return t.fail('the README shows the commands');
    // the README's sed command as written, into a temporary directory instead of /etc/systemd/system
    const dir = tempDir(t, 'lt-second-unit-');
    copyFileSync(join(UNITS, 'lienthong-dossiers.service'), join(dir, 'lienthong-dossiers.service'));
    const sed = block.split('\nprintf')[0]!.replaceAll('/etc/systemd/system/', `${dir}/`);
    const run = spawnSync('sh', ['-c', sed], { encoding: 'utf8' });
    t.equal(run.status, 0, `the sed command runs: ${run.stderr}`);
    const before = readFileSync(join(dir, 'lienthong-dossiers.service'), 'utf8').split('\n');
    const after = readFileSync(join(dir, 'lienthong-dossiers-2.service'), 'utf8').split('\n');
    t.same(
      after.filter((line, i) => line !== before[i] && !line.startsWith('#')),
      ['EnvironmentFile=-/etc/lienthong/dossiers-2.env', 'StateDirectory=lienthong/dossiers-2'],
      'only its own env file and state directory differ',
    );
    t.match(
      block,
      /LT_PORT=\d+\\nLT_DATA_DIR=\/var\/lib\/lienthong\/dossiers-2\\n' >\/etc\/lienthong\/dossiers-2\.env/,
      'its env file: a port and a data directory',
    );
    const analyze = binary('systemd-analyze', t);
    if (!analyze) return;
    if (!existsSync('/usr/bin/node'))
      writeFileSync(join(dir, 'lienthong-dossiers-2.service'), after.join('\n').replace('/usr/bin/node', process.execPath));
    const verify = spawnSync(analyze, ['verify', '--man=no', join(dir, 'lienthong-dossiers-2.service')], { encoding: 'utf8' });
    t.equal(verify.status, 0, `systemd-analyze verify: ${verify.stderr}`);
  },
);
