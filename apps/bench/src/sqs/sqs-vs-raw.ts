import { createSqsBroker } from '@tq/broker-sqs';
import { createApp } from '@tq/core';
import { Worker } from '@tq/worker';
import { formatRate, median } from '../stats.js';
import { startEmulatorProcess } from './emulator-process.js';
import { rawSqsLoop } from './raw-sqs-loop.js';

interface Options {
  runs: number;
  tasks: number;
  /** Worker concurrency; prefetch is 4× that, so tq runs min(4, prefetch / 10) pollers. */
  concurrency: number;
  port: number;
}

const POLLERS = 4;
const SEND_IN_FLIGHT = 50;

/**
 * tq (App + Worker on @tq/broker-sqs) against a plain SDK send/receive/delete loop, on the same
 * local-aws-sqs emulator in its own process. The emulator is the bottleneck, so the ratio to the raw
 * loop is the figure that matters. Fresh queue per measurement; raw and tq alternate going first.
 */
export async function sqsVsRaw(options: Options): Promise<string> {
  process.env.AWS_ACCESS_KEY_ID ??= 'test';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
  process.env.AWS_REGION ??= 'us-east-1';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const emulator = await startEmulatorProcess(options.port);
  const endpoint = `http://127.0.0.1:${options.port}`;
  const results: Record<string, number[]> = {};
  const record = (name: string, value: number): void => {
    (results[name] ??= []).push(value);
    console.log(`  ${name.padEnd(34)} ${value.toFixed(1)}`);
  };
  try {
    // Warm-up (JIT, connections, the emulator's first queues), not recorded.
    const warmUp = { ...options, tasks: Math.min(200, options.tasks) };
    for (const measure of [measureRaw, measureTq]) await measure(endpoint, `bench${process.pid}w`, warmUp, () => undefined);
    for (let run = 0; run < options.runs; run++) {
      const order = run % 2 === 0 ? [measureRaw, measureTq] : [measureTq, measureRaw];
      for (const measure of order) await measure(endpoint, `bench${process.pid}r${run}`, options, record);
    }
  } finally {
    emulator.kill('SIGTERM');
  }
  const rate = (name: string): number => median(results[name] ?? [0]);
  // Raw and tq of one run ran back to back, so their ratio cancels the drift of a shared machine's load.
  const pairedRatio = (raw: string, tq: string): number => median((results[tq] ?? []).map((value, run) => value / (results[raw]?.[run] ?? Number.NaN)));
  const runs = (name: string): string => (results[name] ?? []).map((value) => Math.round(value)).join(', ');
  const rows = [
    ['enqueue, 50 in flight', 'raw send /s', 'tq send /s'],
    [`process, ${POLLERS} pollers × 10`, 'raw drain /s', 'tq drain /s'],
  ].map(([label, raw = '', tq = '']) => {
    const cells = [formatRate(rate(raw)), formatRate(rate(tq)), `${(pairedRatio(raw, tq) * 100).toFixed(0)}%`, runs(raw), runs(tq)];
    return `| ${label} | ${cells.join(' | ')} |`;
  });
  return [
    `Medians of ${options.runs} runs, ${options.tasks} messages each, tq worker concurrency ${options.concurrency}.`,
    '',
    '| measurement | raw SDK loop (median) | tq (median) | tq / raw (median of paired runs) | raw runs | tq runs |',
    '| --- | ---: | ---: | ---: | --- | --- |',
    ...rows,
  ].join('\n');
}

async function measureRaw(endpoint: string, tag: string, options: Options, record: (name: string, value: number) => void): Promise<void> {
  const raw = await rawSqsLoop(endpoint, `${tag}-raw`);
  // A body the size of tq's envelope for a no-argument task.
  const body = Buffer.from(JSON.stringify({ body: 'W1tdLCB7fSwge31d', headers: { task: 'bench.noop', id: tag }, properties: { padding: 'x'.repeat(600) } })).toString('base64');
  try {
    const started = performance.now();
    await raw.send(options.tasks, SEND_IN_FLIGHT, body);
    record('raw send /s', options.tasks / ((performance.now() - started) / 1_000));
    record('raw drain /s', options.tasks / (await raw.drain(options.tasks, POLLERS)));
  } finally {
    await raw.close();
  }
}

async function measureTq(endpoint: string, tag: string, options: Options, record: (name: string, value: number) => void): Promise<void> {
  const broker = createSqsBroker({ endpoint, queuePrefix: `${tag}-tq-`, receive: { waitTimeSeconds: 1, maxPollersPerQueue: POLLERS } });
  const app = createApp({ broker, defaultQueue: 'bench' });
  const noop = app.task('bench.noop', () => null, { ignoreResult: true });
  try {
    let next = 0;
    const started = performance.now();
    const lane = async (): Promise<void> => {
      while (next < options.tasks) {
        next++;
        await noop.delay();
      }
    };
    await Promise.all(Array.from({ length: SEND_IN_FLIGHT }, lane));
    record('tq send /s', options.tasks / ((performance.now() - started) / 1_000));

    let done = 0;
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const worker = new Worker(app, { concurrency: options.concurrency, logLevel: 'silent' });
    worker.on('task-succeeded', () => {
      if (++done === options.tasks) finish();
    });
    const drainStarted = performance.now();
    await worker.start();
    await Promise.race([finished, new Promise((_, reject) => setTimeout(() => reject(new Error(`tq drain stalled at ${done}/${options.tasks}`)), 300_000).unref())]);
    record('tq drain /s', options.tasks / ((performance.now() - drainStarted) / 1_000));
    await worker.stop();
  } finally {
    await app.close();
  }
}
