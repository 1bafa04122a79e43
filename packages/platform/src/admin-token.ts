import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { newToken, type Logger } from '@lienthong/service-kit';

/**
 * The bootstrap admin token: `LT_ADMIN_TOKEN`, or one generated on first start and kept in
 * `<dataDir>/admin-token` (mode 600) so `pnpm start` works with no configuration.
 */
export function adminTokenFor(configured: string | undefined, dataDir: string, logger: Logger): string {
  if (configured) return configured;
  const file = join(dataDir, 'admin-token');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const token = newToken('admin');
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  logger.warn({ file }, 'LT_ADMIN_TOKEN not set: generated an admin token and saved it in this file');
  return token;
}
