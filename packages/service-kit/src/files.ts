import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The content of `file`, or, when it does not exist yet, `make()` written there whole and on disk
 * first (mode `mode`). Processes starting together on one data directory all get the content of
 * the one that created it: the new content is written and fsynced under a temporary name, then
 * hard-linked into place, which fails if another process got there first (whose file is then
 * already complete). The directory must exist.
 */
export function readOrCreateFile(file: string, make: () => string, mode = 0o600): { readonly content: string; readonly created: boolean } {
  const existing = readIfPresent(file);
  if (existing !== undefined) return { content: existing, created: false };
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const content = make();
  const fd = openSync(temporary, 'wx', mode);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temporary, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return { content: readFileSync(file, 'utf8'), created: false };
  } finally {
    unlinkSync(temporary);
  }
  syncDirectory(dirname(file));
  return { content, created: true };
}

function readIfPresent(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** The new name survives a power loss only once its directory is on disk too. */
function syncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
