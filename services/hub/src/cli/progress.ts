/** Progress on long work: a bar on a terminal (stderr), periodic log lines otherwise. */
import cliProgress from 'cli-progress';

export interface Progress {
  update(done: number, total?: number): void;
  stop(): void;
}

const LOG_EVERY_MS = 2000;

export function progress(label: string, total: number): Progress {
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      { stream: process.stderr, format: `${label} [{bar}] {percentage}% {value}/{total} {eta_formatted}`, etaBuffer: 50, hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    bar.start(Math.max(total, 1), 0);
    return {
      update: (done, newTotal) => {
        if (newTotal !== undefined) bar.setTotal(Math.max(newTotal, 1));
        bar.update(done);
      },
      stop: () => bar.stop(),
    };
  }
  let last = Date.now();
  let current = 0;
  let size = total;
  const line = () => process.stderr.write(`${label}: ${current}/${size}${size > 0 ? ` (${Math.floor((current / size) * 100)}%)` : ''}\n`);
  return {
    update: (done, newTotal) => {
      current = done;
      if (newTotal !== undefined) size = newTotal;
      if (Date.now() - last >= LOG_EVERY_MS) {
        last = Date.now();
        line();
      }
    },
    stop: line,
  };
}
