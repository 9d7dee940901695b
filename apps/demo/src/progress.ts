import type { Worker } from '@tq/worker';

/** One status line, redrawn in place on a terminal and printed every second otherwise. */
export function startProgress(worker: Worker, total: number): () => void {
  const tty = process.stdout.isTTY === true;
  const started = Date.now();
  const line = (): string => {
    const { succeeded, failed, retried, active } = worker.stats;
    const done = succeeded + failed;
    const seconds = ((Date.now() - started) / 1_000).toFixed(1);
    return `[${seconds.padStart(5)}s] done ${String(done).padStart(4)}/${total} · ok ${succeeded} · failed ${failed} · retries ${retried} · running ${active}`;
  };
  const timer = setInterval(() => (tty ? process.stdout.write(`\r${line()}`) : console.log(line())), tty ? 100 : 1_000);
  return () => {
    clearInterval(timer);
    if (tty) process.stdout.write(`\r${line()}\n`);
    else console.log(line());
  };
}
