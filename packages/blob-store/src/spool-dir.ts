/**
 * Temp ("spool") files: every write lands in one before it is stored under its hash, so a
 * crash mid-write never leaves a partial blob under a real name. Names carry the writer's pid
 * so that cleaning on open spares files another live process is still writing.
 */
import { randomUUID } from 'node:crypto';
import { readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';

const SUFFIX = '.part';

/** A fresh temp file path in `dir`, owned by this process. */
export function spoolPath(dir: string): string {
  return join(dir, `${process.pid}-${randomUUID()}${SUFFIX}`);
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Deletes temp files left by dead writers, and any untouched for `staleMs` (a pid can be
 * reused, notably pid 1 in a restarted container). Returns how many were deleted.
 */
export async function cleanSpoolDir(dir: string, staleMs: number): Promise<number> {
  let removed = 0;
  const now = Date.now();
  for (const name of await readdir(dir)) {
    if (!name.endsWith(SUFFIX)) continue;
    const path = join(dir, name);
    const pid = Number.parseInt(name.slice(0, name.indexOf('-')), 10);
    try {
      const stale = !Number.isSafeInteger(pid) || !isAlive(pid) || now - (await stat(path)).mtimeMs > staleMs;
      if (!stale) continue;
      await unlink(path);
      removed += 1;
    } catch (error) {
      // Its writer finished (renamed or removed it) while we looked: nothing to clean.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return removed;
}

/** Unlinks `path`, ignoring a file that is already gone. */
export async function unlinkQuietly(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
