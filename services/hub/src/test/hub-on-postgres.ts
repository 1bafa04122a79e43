/**
 * The hub on PostgreSQL for the store's outage specs: one hub process from the sources on
 * `LT_EVENTSTORE=postgres://…`, and the directory those specs write against (a receiving district,
 * a sending province, a clerk, a procedure, the first receipt).
 */
import { join } from 'node:path';
import type { Test } from 'tap';
import { eventually, startServer, tempDir, type StartedServer } from '@lienthong/testing';
import { AGENCY, HUB_SOURCE, PROCEDURE, SENDER, call } from './replicas.js';

/** A counter receipt of `PROCEDURE` at `AGENCY`. */
export const receipt = { procedureCode: PROCEDURE, agencyId: AGENCY, applicant: { name: 'Nguyễn Văn An' }, channel: 'counter' };

/**
 * The hub from its sources on the PostgreSQL database `store`, with its data and secrets in a
 * fresh temporary directory (`prefix`), secrets initialised, `adminToken` as the admin's token;
 * stopped at teardown.
 */
export async function startHubOnPostgres(t: Test, store: string, prefix: string, adminToken: string): Promise<StartedServer> {
  const root = tempDir(t, prefix);
  const hub = await startServer(
    ['--import', 'tsx', HUB_SOURCE],
    {
      LT_DATA_DIR: join(root, 'data'),
      LT_PORT: '0',
      LT_HOST: '127.0.0.1',
      LT_LOG_LEVEL: 'info',
      LT_EVENTSTORE: store,
      LT_SECRETS_DIR: join(root, 'secrets'),
      LT_INIT_SECRETS: '1',
      LT_ADMIN_TOKEN: adminToken,
      LT_PARSE_WORKERS: '0',
    },
    120_000,
  );
  t.teardown(() => hub.stop());
  return hub;
}

export interface Directory {
  /** A clerk and officer of `AGENCY`. */
  readonly clerk: { readonly token: string };
  /** Registers a connected system for `organIds`; answers its token. */
  readonly system: (organIds: string[]) => Promise<string>;
}

/**
 * `AGENCY` and `SENDER` in the directory, a clerk of `AGENCY`, `PROCEDURE` in the catalog (each
 * asserted 201), then the first receipt (key `warm-0`) once the hub accepts it.
 */
export async function setUpDirectory(t: Test, base: string, adminToken: string): Promise<Directory> {
  t.equal(
    (await call(base, 'POST', '/v1/admin/agencies', adminToken, { organId: AGENCY, name: 'UBND huyện', level: 'district' })).status,
    201,
  );
  t.equal(
    (await call(base, 'POST', '/v1/admin/agencies', adminToken, { organId: SENDER, name: 'UBND tỉnh', level: 'province' })).status,
    201,
  );
  const clerk = (await call(base, 'POST', '/v1/admin/staff', adminToken, { agencyId: AGENCY, name: 'Cán bộ', roles: ['clerk', 'officer'] }))
    .body as { token: string };
  const system = async (organIds: string[]): Promise<string> =>
    ((await call(base, 'POST', '/v1/admin/systems', adminToken, { name: 'Hệ thống', vendor: 'VNPT', organIds })).body as { token: string })
      .token;
  const procedure = { name: 'Đăng ký khai sinh', field: 'Hộ tịch', agencyLevels: ['district'], processingDays: 3, onlineLevel: 'partial' };
  t.equal((await call(base, 'PUT', `/v1/catalog/procedures/${PROCEDURE}`, adminToken, procedure)).status, 201);
  await eventually(
    async () => (await call(base, 'POST', '/v1/dossiers', clerk.token, receipt, { 'idempotency-key': 'warm-0' })).status === 201,
    20_000,
    'first receipt',
  );
  return { clerk, system };
}
