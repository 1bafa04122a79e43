import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Test } from 'tap';
import type { Recorder } from './events.js';

/** The relay child (`fixtures/relay-child.ts`): `<store file> <checkpoint file> <bus spec> <service> <stream prefix> <kill after n publishes, 0 never>`. */
export const RELAY_CHILD = fileURLToPath(new URL('./fixtures/relay-child.ts', import.meta.url));

/** Runs a TypeScript file in a child node (tsx loader); resolves once it printed `ready`. */
export async function startChild(file: string, args: readonly string[], timeoutMs = 15_000): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  process.once('exit', () => child.kill('SIGKILL'));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`child not ready in ${timeoutMs} ms: ${output}`)), timeoutMs);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`child exited (${code ?? signal}) before ready: ${output}`));
    });
  });
  return child;
}

/** SIGKILL, resolved once the process is gone. */
export function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** Runs a TypeScript file in a child node to its end; resolves with how it ended. */
export function runChild(file: string, args: readonly string[]): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
  process.once('exit', () => child.kill('SIGKILL'));
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/**
 * A new relay child with `args` (killed at teardown), after one was killed between publish and
 * checkpoint: once `rec` has `expected.length` deliveries, and 300 ms more for a wrong duplicate,
 * its consumer stops, and every expected event must have arrived exactly once, in order.
 */
export async function restartRelayExpectingOnce(
  t: Test,
  rec: Recorder,
  args: readonly string[],
  expected: readonly string[],
): Promise<void> {
  const second = await startChild(RELAY_CHILD, args);
  t.teardown(() => killHard(second));
  await rec.waitFor(expected.length, 15_000);
  await new Promise((resolve) => setTimeout(resolve, 300)); // room for a wrong duplicate
  await rec.consumer.stop();
  t.same(
    rec.handled.map((h) => h.event.id),
    expected,
    'everything arrived exactly once, in order',
  );
}
