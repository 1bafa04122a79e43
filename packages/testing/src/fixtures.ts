import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';

/**
 * The shared folder beside the repository (`../shared`, holding the real edXML samples), wherever
 * the repository is cloned; `LT_SHARED_DIR` overrides it.
 */
export function sharedDir(): string {
  const candidates = [
    process.env.LT_SHARED_DIR,
    resolve(fileURLToPath(new URL('../../../', import.meta.url)), '..', 'shared'),
    '/work/shared',
  ].filter((c): c is string => Boolean(c));
  const found = candidates.find((c) => existsSync(join(c, 'fixtures')));
  if (!found) throw new Error(`shared fixtures not found in ${candidates.join(', ')} (set LT_SHARED_DIR)`);
  return found;
}

/** `shared/fixtures/edxml/real`: real vendor samples, read-only. */
export const realEdxmlDir = (): string => join(sharedDir(), 'fixtures', 'edxml', 'real');
