/** `lienthong replay [--projection name]`: rebuilds read models from the event store, hub stopped. */
import { CliError, cliConfig, openHub, type GlobalOptions } from './context.js';
import { progress } from './progress.js';

export interface ReplayResult {
  readonly projections: ReadonlyArray<{ readonly name: string; readonly events: number; readonly ms: number; readonly checkpoint: number }>;
}

export async function replay(options: GlobalOptions & { projection?: string[] }): Promise<ReplayResult> {
  const hub = await openHub(cliConfig(options), { workers: false });
  try {
    const known = [...hub.platform.projections.keys()];
    const wanted = options.projection && options.projection.length > 0 ? options.projection : known;
    const unknown = wanted.filter((n) => !known.includes(n));
    if (unknown.length > 0) throw new CliError(`no projection ${unknown.join(', ')}; known: ${known.join(', ')}`);
    const bar = progress('replay', wanted.length);
    const done: Array<{ name: string; events: number; ms: number; checkpoint: number }> = [];
    for (const name of wanted) {
      const runner = hub.platform.projections.get(name)!;
      const result = await runner.rebuild();
      done.push({ name, ...result, checkpoint: (await runner.status()).checkpoint });
      bar.update(done.length);
    }
    bar.stop();
    return { projections: done };
  } finally {
    await hub.close();
  }
}
