import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, loadConfig, type Config, type Logger } from '@lienthong/service-kit';
import { startPlatform, type RunningHub } from './platform.js';
import type { ServiceModuleFactory } from './types.js';

export interface TestHub extends RunningHub {
  readonly dataDir: string;
  /** `authorization` header for the admin token. */
  readonly admin: { authorization: string };
  /** Registers an agency, a staff member or a system through the API and returns its token header. */
  agency(organId: string, name?: string, altIds?: string[]): Promise<void>;
  staff(agencyId: string, roles: string[]): Promise<{ authorization: string; staffId: string }>;
  system(organIds: string[], options?: { requireValidSignature?: boolean }): Promise<{ authorization: string; systemId: string }>;
}

/**
 * A real platform (SQLite store and bus files in a fresh temp directory) for service tests,
 * driven with `hub.app.inject()`. Pass the same `dataDir` again to test a restart.
 */
export async function startTestHub(
  modules: readonly ServiceModuleFactory[],
  options: { dataDir?: string; env?: Record<string, string>; keepDataDir?: boolean; readModels?: string; logger?: Logger } = {},
): Promise<TestHub> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'lt-hub-'));
  const config: Config = loadConfig({
    LT_DATA_DIR: dataDir,
    LT_ADMIN_TOKEN: 'test-admin-token-0123456789',
    LT_SQLITE_SYNC: 'normal',
    LT_PORT: '0',
    ...options.env,
  });
  const hub = await startPlatform(config, modules, {
    title: 'test hub',
    logger: options.logger ?? createLogger({ level: process.env.LT_TEST_LOG ?? 'silent' }),
    ...(options.readModels ? { readModels: options.readModels } : {}),
  });
  const admin = { authorization: `Bearer ${hub.adminToken}` };
  const post = async (url: string, payload: unknown) => {
    const res = await hub.app.inject({ method: 'POST', url, headers: admin, payload: payload as object });
    if (res.statusCode !== 201) throw new Error(`POST ${url} → ${res.statusCode} ${res.body}`);
    return res.json<Record<string, string>>();
  };
  return {
    ...hub,
    dataDir,
    admin,
    async close() {
      await hub.close();
      if (!options.dataDir && !options.keepDataDir) rmSync(dataDir, { recursive: true, force: true });
    },
    async agency(organId, name = `Agency ${organId}`, altIds) {
      await post('/v1/admin/agencies', { organId, name, ...(altIds ? { altIds } : {}) });
    },
    async staff(agencyId, roles) {
      const r = await post('/v1/admin/staff', { agencyId, name: `Staff of ${agencyId}`, roles });
      return { authorization: `Bearer ${r.token}`, staffId: r.staffId! };
    },
    async system(organIds, opts = {}) {
      const r = await post('/v1/admin/systems', { name: 'System', vendor: 'Vendor', organIds, ...opts });
      return { authorization: `Bearer ${r.token}`, systemId: r.systemId! };
    },
  };
}
