/** `lienthong verify`: every hash chain of the data directory's store, or an export on its own. */
import { existsSync } from 'node:fs';
import { audit } from '@lienthong/platform';
import { openEventStore } from '@lienthong/event-store';
import { CliError, ExitCode, cliConfig, type GlobalOptions } from './context.js';
import { progress } from './progress.js';
import { verifyExport, type ExportVerifyReport } from './export-verify.js';

export interface VerifyOutcome {
  readonly exitCode: ExitCode;
  readonly report: audit.VerifyReport | ExportVerifyReport;
  /** The broken event as stored, when there is one. */
  readonly event?: unknown;
}

export async function verify(options: GlobalOptions & { stream?: string; export?: string }): Promise<VerifyOutcome> {
  if (options.export) {
    const report = await verifyExport(options.export);
    return { exitCode: report.ok ? ExitCode.ok : ExitCode.broken, report };
  }
  const config = cliConfig(options);
  const file = audit.sqliteFileOf(config);
  if (file && !existsSync(file)) throw new CliError(`no event store at ${file}`);
  const store = file ? undefined : openEventStore({ url: config.eventStoreUrl, dataDir: config.dataDir });
  const source = file ? audit.sqliteChainSource(file) : audit.storeChainSource(store!);
  try {
    const head = await source.headPosition();
    const bar = progress('verify', head);
    if (options.stream !== undefined && !(await source.head(options.stream))) throw new CliError(`no stream ${options.stream}`);
    const report = await audit.verifyChains(source, { ...(options.stream !== undefined ? { stream: options.stream } : {}), onProgress: (done, total) => bar.update(done, total) });
    bar.stop();
    if (report.ok) return { exitCode: ExitCode.ok, report };
    const at = report.brokenAt!;
    const event = at.position > 0 ? (await source.page(at.position - 1, at.position, 1).catch(() => []))[0] : undefined;
    return { exitCode: ExitCode.broken, report, ...(event ? { event } : {}) };
  } finally {
    await source.close();
    await store?.close();
  }
}
