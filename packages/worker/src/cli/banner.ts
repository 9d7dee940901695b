import type { Worker } from '../worker.js';

/** A Celery-style start-up banner: who this is, where it talks to, what it runs. */
export function banner(worker: Worker, version: string, taskEvents = false): string {
  const { app } = worker;
  const tasks = app.tasks.names();
  const lines = [
    ` -------------- ${worker.hostname} v${version} (tq)`,
    ` --- ***** ----- node ${process.version} ${process.platform}-${process.arch}`,
    ` - *** --- * --- [config]`,
    ` - ** ---------- .> broker:      ${app.broker.displayUrl}`,
    ` - ** ---------- .> results:     ${app.backend?.displayUrl ?? 'disabled'}`,
    ` - ** ---------- .> concurrency: ${worker.concurrency} (${worker.pool.kind}), prefetch ${worker.prefetch}`,
    ` - *** --- * --- .> queues:      ${worker.queues.join(', ')}`,
    ` - *** --- * --- .> task events: ${taskEvents ? 'ON' : 'OFF (enable -E to monitor tasks in this worker)'}`,
    ` -------------- [tasks]`,
    ...(tasks.length > 0 ? tasks.map((name) => `   . ${name}`) : ['   (none registered)']),
    '',
  ];
  return lines.join('\n');
}
