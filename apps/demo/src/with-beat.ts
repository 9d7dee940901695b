import { createApp } from '@tq/core';
import { Worker } from '@tq/worker';
import { createBeat } from '@tq/beat';

// The demo with beat enabled: a worker and an embedded beat in one process on memory://, as
// `tq worker --beat` runs them. Runs for TQ_DEMO_BEAT_SECONDS (default 12) and prints what fired.
const seconds = Math.min(120, Math.max(3, Number(process.env.TQ_DEMO_BEAT_SECONDS ?? 12)));

const app = createApp({ broker: 'memory://', backend: 'memory://' });

const heartbeat = app.task('demo.heartbeat', (service: string) => `${service} ok at ${new Date().toISOString()}`);
const cleanup = app.task('demo.cleanup', async (olderThanMinutes: number) => {
  await new Promise((resolve) => setTimeout(resolve, 50));
  return `removed files older than ${olderThanMinutes} min`;
});

const beat = createBeat(app);
beat.schedule('heartbeat', { every: '2s', task: heartbeat, args: ['api'] });
beat.schedule('cleanup', { cron: '*/5 * * * * *', timezone: 'Europe/Berlin', task: cleanup, args: [30], options: { expires: '4s' } });

async function main(): Promise<void> {
  const worker = new Worker(app, { concurrency: 4, logLevel: 'silent' });
  const started = Date.now();
  const elapsed = (): string => `+${((Date.now() - started) / 1_000).toFixed(1)}s`;
  let fired = 0;
  let ran = 0;
  beat.on('tick-sent', (tick) => {
    fired++;
    console.log(`${elapsed()} beat  sent ${tick.entry.padEnd(9)} (due ${new Date(tick.dueAt).toISOString()}, task id ${tick.taskId.slice(0, 8)}…)`);
  });
  worker.on('task-succeeded', ({ name, result }) => {
    ran++;
    console.log(`${elapsed()} worker ran ${name}: ${String(result)}`);
  });

  console.log('upcoming:');
  for (const entry of beat.upcoming(3)) console.log(`  ${entry.name} (${entry.schedule}): ${entry.times.map((t) => new Date(t).toISOString().slice(11, 19)).join(', ')} UTC`);
  await worker.start();
  await beat.start();
  console.log(`worker and beat running on ${app.broker.displayUrl} for ${seconds} s…`);
  await new Promise((resolve) => setTimeout(resolve, seconds * 1_000));

  await beat.stop();
  await worker.stop();
  await app.close();
  console.log(`done: beat sent ${fired} ticks, the worker ran ${ran} of them.`);
  if (fired === 0 || ran === 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
