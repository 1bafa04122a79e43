import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { newToken, readOrCreateFile, type Logger } from '@lienthong/service-kit';

/**
 * The bootstrap admin token: `LT_ADMIN_TOKEN`, or one generated on first start and kept in
 * `<dataDir>/admin-token` (mode 600) so `pnpm start` works with no configuration.
 */
export function adminTokenFor(configured: string | undefined, dataDir: string, logger: Logger): string {
  if (configured) return configured;
  const file = join(dataDir, 'admin-token');
  mkdirSync(dataDir, { recursive: true });
  // Processes starting together on a new data directory all take the token of the first.
  const { content, created } = readOrCreateFile(file, () => `${newToken('admin')}\n`);
  if (created) logger.warn({ file }, 'LT_ADMIN_TOKEN not set: generated an admin token and saved it in this file');
  return content.trim();
}
