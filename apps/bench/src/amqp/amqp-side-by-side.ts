import { randomUUID } from 'node:crypto';
import type { Options } from 'amqplib';
import { createInvocation, encodeTaskMessage, jsonSerializer } from '@tq/core';
import { formatRate, median } from '../stats.js';
import { benchQueue, type Measured } from './amqp-bench-setup.js';
import { pythonCelery, pythonCeleryInstalled } from './python-celery.js';
import { rawAmqplib } from './raw-amqplib.js';
import { tqAmqp } from './tq-amqp.js';

interface Options {
  runs: number;
  /** Tasks per run for raw amqplib and tq. */
  tasks: number;
  /** Tasks per run for Celery (slower: fewer keep the run short). */
  celeryTasks: number;
}

type System = 'raw amqplib' | 'tq' | 'Celery 5.2';

/** The Celery protocol v2 message of a no-op call, as tq encodes it, for the raw amqplib run. */
function celeryMessage(): { body: Buffer; options: Options.Publish } {
  const id = randomUUID();
  const message = encodeTaskMessage(createInvocation({ id, task: 'bench.noop', args: [] }), jsonSerializer);
  return {
    body: Buffer.from(message.body),
    options: { headers: message.headers, contentType: message.contentType, contentEncoding: message.contentEncoding, correlationId: id, deliveryMode: 2 },
  };
}

/**
 * raw amqplib, tq and Python Celery on the same RabbitMQ in one run, rotating which goes first each
 * run so none always gets the warmest server. Fresh queues per measurement, deleted afterwards.
 */
export async function amqpSideBySide(options: Options): Promise<string> {
  const withCelery = pythonCeleryInstalled();
  if (!withCelery) console.log('  Python Celery 5.2 not importable under /usr/bin/python3: its column is skipped.');
  const results: Record<System, Measured[]> = { 'raw amqplib': [], tq: [], 'Celery 5.2': [] };
  const celery = celeryMessage();
  const systems: [System, (queue: string) => Promise<Measured>][] = [
    ['raw amqplib', (queue) => rawAmqplib(queue, options.tasks, celery.body, celery.options)],
    ['tq', (queue) => tqAmqp(queue, options.tasks)],
  ];
  if (withCelery) systems.push(['Celery 5.2', (queue) => pythonCelery(queue, options.celeryTasks)]);

  for (let run = 0; run < options.runs; run++) {
    const order = [...systems.slice(run % systems.length), ...systems.slice(0, run % systems.length)];
    for (const [name, measure] of order) {
      const measured = await measure(benchQueue(name.split(' ')[0]!.toLowerCase(), run));
      results[name].push(measured);
      console.log(`  run ${run + 1} ${name.padEnd(12)} enqueue ${formatRate(measured.enqueuePerSecond).padStart(9)}  process ${formatRate(measured.processPerSecond).padStart(9)}`);
    }
  }
  return table(results, options);
}

function table(results: Record<System, Measured[]>, options: Options): string {
  const raw = median(results['raw amqplib'].map((m) => m.processPerSecond));
  const celery = results['Celery 5.2'].length > 0 ? median(results['Celery 5.2'].map((m) => m.processPerSecond)) : Number.NaN;
  const lines = [
    '| system | tasks/run | enqueue (median) | process (median) | process vs raw amqplib | process vs Celery | process runs (tasks/s) |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const [name, runs] of Object.entries(results) as [System, Measured[]][]) {
    if (runs.length === 0) continue;
    const processed = median(runs.map((m) => m.processPerSecond));
    lines.push(
      `| ${name} | ${(name === 'Celery 5.2' ? options.celeryTasks : options.tasks).toLocaleString('en-US')} | ${formatRate(median(runs.map((m) => m.enqueuePerSecond)))} | ${formatRate(processed)} | ${(
        (processed / raw) *
        100
      ).toFixed(0)}% | ${(processed / celery).toFixed(1)}× | ${runs.map((m) => Math.round(m.processPerSecond)).join(', ')} |`,
    );
  }
  return lines.join('\n');
}
