/**
 * `lienthong verify`: every hash chain and seal of the data directory's store (and, with
 * `--seals <copy>`, the store's seals against a copy kept elsewhere), or an export on its own.
 */
import { existsSync } from 'node:fs';
import { audit, readHubPublicKey } from '@lienthong/platform';
import { CliError, ExitCode, cliConfig, openConfiguredStore, type GlobalOptions } from './context.js';
import { progress } from './progress.js';
import { verifyExport, type ExportVerifyReport } from './export-verify.js';
import { compareSealsCopy, type SealsCopyReport } from './seals.js';

/** The store's report; with `--seals`, the comparison with the copy too (`brokenAt`: the earlier finding). */
export type StoreVerifyReport = audit.VerifyReport & { readonly copy?: SealsCopyReport };

export interface VerifyOutcome {
  readonly exitCode: ExitCode;
  readonly report: StoreVerifyReport | ExportVerifyReport;
  /** The broken event as stored, when there is one. */
  readonly event?: unknown;
}

export async function verify(options: GlobalOptions & { stream?: string; export?: string; seals?: string }): Promise<VerifyOutcome> {
  if (options.export) {
    const report = await verifyExport(options.export);
    return { exitCode: report.ok ? ExitCode.ok : ExitCode.broken, report };
  }
  const config = cliConfig(options);
  const file = audit.sqliteFileOf(config);
  if (file && !existsSync(file)) throw new CliError(`no event store at ${file}`);
  if (options.seals !== undefined && options.stream !== undefined) throw new CliError('--seals checks the whole store: leave out --stream');
  if (options.seals !== undefined && !file)
    throw new CliError('seals are kept by the SQLite event store only; EventStoreDB does not support them');
  let key: ReturnType<typeof readHubPublicKey> | undefined;
  try {
    // One stream's check has no seals; the whole store's needs the hub key.
    key = file && options.stream === undefined ? readHubPublicKey(config.secretsDir) : undefined;
  } catch (error) {
    throw new CliError((error as Error).message);
  }
  const store = file ? undefined : await openConfiguredStore(config);
  const source = file ? audit.sqliteChainSource(file) : audit.storeChainSource(store!);
  try {
    const head = await source.headPosition();
    const bar = progress('verify', head);
    if (options.stream !== undefined && !(await source.head(options.stream))) throw new CliError(`no stream ${options.stream}`);
    const checked = await audit.verifyChains(source, {
      ...(options.stream !== undefined ? { stream: options.stream } : {}),
      ...(key ? { sealKey: key } : {}),
      onProgress: (done, total) => bar.update(done, total),
    });
    bar.stop();
    const copy = options.seals !== undefined && key ? await compareSealsCopy(options.seals, source, key) : undefined;
    const report: StoreVerifyReport = copy ? withCopy(checked, copy) : checked;
    if (report.ok) return { exitCode: ExitCode.ok, report };
    const at = report.brokenAt!;
    const event = at.position > 0 && at.stream !== '' ? (await source.page(at.position - 1, at.position, 1).catch(() => []))[0] : undefined;
    return { exitCode: ExitCode.broken, report, ...(event ? { event } : {}) };
  } finally {
    await source.close();
    await store?.close();
  }
}

/** Both must hold; the finding reported is the one at the earlier position. */
function withCopy(store: audit.VerifyReport, copy: SealsCopyReport): StoreVerifyReport {
  const { brokenAt: storeBroken, ...rest } = store;
  const copyBroken = copy.brokenAt;
  const first =
    storeBroken && copyBroken ? (copyBroken.position < storeBroken.position ? copyBroken : storeBroken) : (storeBroken ?? copyBroken);
  return { ...rest, ok: store.ok && copy.ok, copy, ...(first ? { brokenAt: first } : {}) };
}
