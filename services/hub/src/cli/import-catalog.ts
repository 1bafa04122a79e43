/** `lienthong import-catalog <file>`: bulk procedures through the catalog's own import route (same validation, all or nothing). */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { CliError, cliConfig, openHub, type GlobalOptions } from './context.js';

export interface ImportResult {
  readonly imported: number;
  readonly created: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly dryRun: boolean;
}

export async function importCatalog(file: string, options: GlobalOptions & { dryRun?: boolean }): Promise<ImportResult> {
  const kind = extname(file).toLowerCase();
  if (kind !== '.json' && kind !== '.csv') throw new CliError(`${file}: expected a .json or .csv file`);
  let body: Buffer;
  try {
    body = readFileSync(file);
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as Error).message}`);
  }
  const hub = await openHub(cliConfig(options), { workers: false });
  try {
    const res = await hub.app.inject({
      method: 'POST',
      url: `/v1/admin/catalog/import${options.dryRun ? '?dryRun=true' : ''}`,
      headers: {
        authorization: `Bearer ${hub.adminToken}`,
        'content-type': kind === '.csv' ? 'text/csv; charset=utf-8' : 'application/json',
      },
      payload: body,
    });
    if (res.statusCode !== 200) {
      const problem = res.json<{ detail?: string; errors?: Array<{ path: string; message: string }> }>();
      const errors = (problem.errors ?? [])
        .slice(0, 20)
        .map((e) => `\n  ${e.path}: ${e.message}`)
        .join('');
      throw new CliError(`import refused (${res.statusCode}): ${problem.detail ?? res.body}${errors}`);
    }
    return res.json<ImportResult>();
  } finally {
    await hub.close();
  }
}
