/**
 * `pnpm lienthong <command>`: operations on a data directory, with the hub stopped.
 *   replay          rebuild read models (all, or --projection name)
 *   verify          check every hash chain and seal (exit 2 when one is broken), against a seals copy with --seals, or an export with --export
 *   export          events as JSON Lines with a manifest, or the seals with --seals
 *   seal --adopt    the first seal of a store from before seals (vouching for the events it holds)
 *   import-catalog  bulk procedures from a .json or .csv file
 *   seed-demo       a realistic province through the real services
 * Exit codes: 0 ok, 1 error, 2 broken chain.
 */
import { Command, InvalidArgumentError } from 'commander';
import { CliError, ExitCode, printJson, type GlobalOptions } from './cli/context.js';

const program = new Command('lienthong')
  .description('lienthong hub operations on a data directory (run them with the hub stopped)')
  .option('-d, --data-dir <dir>', 'data directory (default: LT_DATA_DIR or ./data)')
  .showHelpAfterError()
  .exitOverride((error) => {
    // Help and version are not failures; usage errors exit 1 like any other.
    process.exit(
      error.code === 'commander.helpDisplayed' || error.code === 'commander.help' || error.code === 'commander.version'
        ? ExitCode.ok
        : ExitCode.error,
    );
  });

const globals = (): GlobalOptions => program.opts<GlobalOptions>();

const positionArg = (value: string): number => {
  if (!/^\d{1,15}$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('must be a position (an integer ≥ 1)');
  return Number(value);
};
const scaleArg = (value: string): number => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > 10) throw new InvalidArgumentError('must be a number in (0, 10]');
  return n;
};
const collect = (value: string, previous: string[] = []) => [...previous, value];

program
  .command('replay')
  .description('rebuild projections from the event store (all, or those named)')
  .option('-p, --projection <name>', 'a projection to rebuild (repeatable)', collect)
  .action(async (options: { projection?: string[] }) => {
    const { replay } = await import('./cli/replay.js');
    printJson(await replay({ ...globals(), ...options }));
  });

program
  .command('verify')
  .description('check hash chains, revisions, stream heads, gap-free positions and seals of the store; or an export with its manifest')
  .option('-s, --stream <name>', 'only this stream')
  .option('-e, --export <file>', 'verify an export file against <file>.manifest.json instead of the store')
  .option('--seals <file>', 'also compare the store with a copy of its seals (from export --seals)')
  .action(async (options: { stream?: string; export?: string; seals?: string }) => {
    const { verify } = await import('./cli/verify.js');
    const outcome = await verify({ ...globals(), ...options });
    printJson(outcome.event ? { ...outcome.report, event: outcome.event } : outcome.report);
    const broken = outcome.report.brokenAt;
    if (broken)
      process.stderr.write(
        broken.stream === ''
          ? `BROKEN at position ${broken.position}${broken.seal !== undefined ? ` (seal #${broken.seal})` : ''}: ${broken.reason}\n`
          : `BROKEN at position ${broken.position}: stream ${broken.stream} revision ${broken.revision} event ${broken.eventId ?? '-'}: ${broken.reason}\n`,
      );
    const latest = 'seals' in outcome.report ? outcome.report.seals?.last : undefined;
    if (latest) process.stderr.write(`latest seal: ${latest.short}\n`);
    process.exitCode = outcome.exitCode;
  });

program
  .command('export')
  .description('write events as JSON Lines (a position range and/or a stream prefix) with <file>.manifest.json')
  .option('-o, --out <file>', 'output file (default: stdout)')
  .option('--from-position <n>', 'first global position (inclusive)', positionArg)
  .option('--to-position <n>', 'last global position (inclusive)', positionArg)
  .option('--stream-prefix <prefix>', 'only streams whose name starts with this')
  .option('--manifest <file>', 'manifest path (default <out>.manifest.json; needed for a manifest when writing to stdout)')
  .option('--seals', 'write the seals instead (a header with the hub public key, then one seal a line)')
  .action(
    async (options: {
      out?: string;
      fromPosition?: number;
      toPosition?: number;
      streamPrefix?: string;
      manifest?: string;
      seals?: boolean;
    }) => {
      if (options.seals) {
        if (
          options.fromPosition !== undefined ||
          options.toPosition !== undefined ||
          options.streamPrefix !== undefined ||
          options.manifest !== undefined
        )
          throw new CliError('--seals exports every seal: leave out the position, prefix and manifest options');
        const { exportSeals } = await import('./cli/seals.js');
        const summary = await exportSeals({ ...globals(), ...(options.out !== undefined ? { out: options.out } : {}) });
        process.stderr.write(`${JSON.stringify(summary)}\n`);
        if (summary.latest) process.stderr.write(`latest seal: ${summary.latest} (write it down, or keep the file elsewhere)\n`);
        return;
      }
      if (options.fromPosition !== undefined && options.toPosition !== undefined && options.fromPosition > options.toPosition)
        throw new CliError('--from-position is after --to-position');
      const { exportEvents } = await import('./cli/export.js');
      const manifest = await exportEvents({ ...globals(), ...options });
      const { streams, ...summary } = manifest;
      process.stderr.write(`${JSON.stringify({ ...summary, streams: Object.keys(streams).length })}\n`);
    },
  );

program
  .command('seal')
  .description(
    'seal the store by hand; --adopt: the first seal of a store that holds events and no seal (older than seals), vouching for every event it holds',
  )
  .option('--adopt', 'adopt a store that was never sealed (run verify first; compare with a seals copy when there is one)')
  .action(async (options: { adopt?: boolean }) => {
    if (!options.adopt) throw new CliError('seal needs --adopt: the hub makes every other seal itself');
    const { adoptStore } = await import('./cli/seals.js');
    const adoption = await adoptStore(globals());
    printJson(adoption);
    process.stderr.write(`adopted: ${adoption.seal.short} (write it down; the hub seals from here on when it starts)\n`);
  });

program
  .command('import-catalog')
  .description('import procedures from a JSON array or CSV file (all rows validated first; a refused file writes nothing)')
  .argument('<file>', '.json or .csv file')
  .option('--dry-run', 'validate and count without writing')
  .action(async (file: string, options: { dryRun?: boolean }) => {
    const { importCatalog } = await import('./cli/import-catalog.js');
    printJson(await importCatalog(file, { ...globals(), ...options }));
  });

program
  .command('seed-demo')
  .description(
    'fill the data directory with a realistic province through the services (agencies, systems, staff, procedures, dossiers, documents)',
  )
  .option('--scale <n>', 'fraction of the full demo (1 = 10,000 dossiers, 5,000 documents)', scaleArg, 1)
  .option('--seed <n>', 'random seed', (v) => Number.parseInt(v, 10), 20261122)
  .action(async (options: { scale: number; seed: number }) => {
    const { seedDemo } = await import('./cli/seed-demo.js');
    printJson(await seedDemo({ ...globals(), ...options }));
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CliError) {
    process.stderr.write(`lienthong: ${error.message}\n`);
    process.exitCode = error.exitCode;
  } else {
    process.stderr.write(`lienthong: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = ExitCode.error;
  }
}
