/**
 * Test helper run as its own process: at `startAt + round × 25 ms` (wall clock, shared with the
 * other processes of the test) reads or creates `<dir>/file-<round>`, printing what it got.
 * Usage: create-files.ts <dir> <rounds> <startAt>
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { readOrCreateFile } from '../files.js';

const [dir, rounds, startAt] = process.argv.slice(2);
const got: string[] = [];
for (let round = 0; round < Number(rounds); round++) {
  const at = Number(startAt) + round * 25;
  while (Date.now() < at); // spin: the processes must collide within microseconds, not a timer's slack
  got.push(readOrCreateFile(join(dir!, `file-${round}`), () => `${process.pid}:${randomBytes(16).toString('hex')}`).content);
}
process.stdout.write(`${JSON.stringify(got)}\n`);
