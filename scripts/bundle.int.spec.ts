/**
 * scripts/bundle.mjs: each build in a directory of its own, services/hub/dist/bundle a link to the
 * last one; builds replaced more than 10 minutes ago are deleted; two builds at once both finish
 * and leave a complete bundle. (Builds the real hub bundle: the link swap is what makes that safe
 * while other processes start from it.)
 */
import { execFile } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { buildHub, REPO_ROOT } from '@lienthong/testing';

const DIST = join(REPO_ROOT, 'services/hub/dist');
const LINK = join(DIST, 'bundle');

const bundle = (...args: string[]) =>
  new Promise<void>((resolve, reject) =>
    execFile(
      process.execPath,
      [join(REPO_ROOT, 'scripts/bundle.mjs'), ...args],
      { cwd: REPO_ROOT, timeout: 180_000 },
      (error, _o, stderr) => (error ? reject(new Error(stderr, { cause: error })) : resolve()),
    ),
  );

t.test('two builds at once: both finish, the link names a complete build, and every build has its own directory', async (t) => {
  await buildHub(); // compiled (and bundled once, if needed)
  const before = new Set(readdirSync(DIST));
  await Promise.all([bundle('--force'), bundle('--force')]);
  t.ok(lstatSync(LINK).isSymbolicLink(), 'dist/bundle is a link');
  const current = readlinkSync(LINK);
  t.match(current, /^\.bundle-/);
  for (const file of ['main.js', 'cli.js', 'meta.json']) t.ok(existsSync(join(DIST, current, file)), `${file} in the build linked`);
  const added = readdirSync(DIST).filter((name) => !before.has(name) && name.startsWith('.bundle-'));
  // At least: another process of the machine may build at the same time.
  t.ok(added.length >= 2, `one new directory per build, both kept while fresh (${added.length} new)`);
  t.notOk(
    readdirSync(DIST).some((name) => name.endsWith('.link')),
    'no link left behind',
  );
});

t.test('builds replaced more than 10 minutes ago are deleted; the linked one never is', async (t) => {
  const stale = join(DIST, '.bundle-stale-spec');
  mkdirSync(stale, { recursive: true });
  writeFileSync(join(stale, 'chunk-OLD.js'), '');
  const hourAgo = new Date(Date.now() - 3_600_000);
  utimesSync(stale, hourAgo, hourAgo);
  const current = readlinkSync(LINK);
  utimesSync(join(DIST, current), hourAgo, hourAgo);
  await bundle(); // up to date: nothing is built, the clean-up runs
  t.notOk(existsSync(stale), 'the stale build is gone');
  t.equal(readlinkSync(LINK), current, 'the link is unchanged');
  t.ok(existsSync(join(DIST, current, 'main.js')), 'the linked build is kept however old');
});
