import { randomUUID } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ControlMailbox,
  createEvent,
  decodeControlRequest,
  decodeEvents,
  encodeControlReply,
  eventAddress,
  eventReceiverBinding,
  isAddressedTo,
  LamportClock,
  nodeBinding,
  repliesByHostname,
  requireFanout,
  type Broker,
  type CeleryEvent,
  type FanoutSubscription,
} from '@tq/core';
import { createApp, type App } from '@tq/core';
import { createRedisBackend } from '@tq/backend-redis';
import { waitUntil } from '@tq/testing';
import { Worker } from '@tq/worker';
import { spawnCli } from './cli-process.js';
import { FIXTURES, PYTHON, runPythonJson, startPythonCeleryWorker } from './python-celery.js';

export interface BroadcastSuiteOptions {
  /** The Redis URL for results (both sides). */
  readonly resultsUrl: string;
  /** A tq broker on the server the Python side uses. */
  readonly createBroker: () => Broker;
  /** The fixtures' Celery app module: amqp_celery_app or e2e_celery_app. */
  readonly celeryApp: string;
  /** The Python app's environment; must include its broker URL as E2E_BROKER_URL too. */
  readonly env: Record<string, string> & { E2E_QUEUE: string; E2E_BROKER_URL: string };
}

/** `python -m celery -A <app> <args>`; resolves with stdout once it exits 0 (killed at 60 s). */
function celeryCli(options: BroadcastSuiteOptions, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, ['-m', 'celery', '-A', options.celeryApp, ...args], { cwd: FIXTURES, env: { ...process.env, ...options.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else reject(new Error(`celery ${args.join(' ')} exited ${code}: ${stderr}${stdout}`));
    });
  });
}

/** The smallest pidbox node: answers `ping` as a Celery worker does. The worker's own handlers are tested with the worker. */
async function answerPing(broker: Broker, hostname: string): Promise<FanoutSubscription> {
  const fanout = requireFanout(broker);
  return fanout.subscribe(nodeBinding(hostname), (message) => {
    const request = decodeControlRequest(message);
    if (request.method !== 'ping' || !isAddressedTo(request, hostname) || request.reply_to === undefined) return;
    void fanout.publish(
      { exchange: request.reply_to.exchange, type: 'direct', routingKey: request.reply_to.routing_key },
      { body: encodeControlReply(hostname, { ok: 'pong' }), headers: { ticket: request.ticket, clock: 1 } },
    );
  });
}

/**
 * The broadcast transport against Python Celery 5.2 on one server, both ways: pidbox requests and
 * replies, and events. Declares its tests in the calling describe.
 */
export function celeryBroadcastSuite(options: BroadcastSuiteOptions): void {
  let broker: Broker;
  const pythonWorkers: ChildProcess[] = [];
  const pythonSend = (task: string, args: unknown[]) => runPythonJson(`${options.celeryApp}.py`, ['send', task, JSON.stringify(args)], options.env, 60_000, 'python client');

  beforeAll(async () => {
    broker = options.createBroker();
    await broker.connect();
  });

  afterEach(() => {
    for (const child of pythonWorkers.splice(0)) child.kill('SIGKILL');
  });

  afterAll(async () => {
    await broker?.close();
  });

  it('celery inspect ping (Python) reaches a tq pidbox node and prints its pong', async () => {
    const hostname = `tq-e2e@${randomUUID().slice(0, 8)}`;
    const node = await answerPing(broker, hostname);
    const stdout = await celeryCli(options, ['inspect', 'ping', '--json', '--timeout', '5', '--destination', hostname]);
    expect(JSON.parse(stdout.trim())).toEqual({ [hostname]: { ok: 'pong' } });
    await node.close();
  }, 90_000);

  it('a tq ControlMailbox pings a Python Celery worker by name and gets its pong', async () => {
    const hostname = `py-e2e-${randomUUID().slice(0, 8)}@localhost`;
    pythonWorkers.push(startPythonCeleryWorker(options.celeryApp, options.env.E2E_QUEUE, options.env, ['-n', hostname]));
    const mailbox = new ControlMailbox(requireFanout(broker));
    let replies: Record<string, unknown> = {};
    await waitUntil(
      async () => {
        replies = repliesByHostname(await mailbox.call('ping', {}, { destination: [hostname], timeoutMs: 1_000 }));
        return hostname in replies;
      },
      60_000,
      { intervalMs: 200, description: `${hostname} to answer ping` },
    );
    expect(replies).toEqual({ [hostname]: { ok: 'pong' } });
    await mailbox.close();
  }, 90_000);

  it("receives a Python worker's task events (received, started, succeeded), batched or not", async () => {
    const hostname = `py-e2e-${randomUUID().slice(0, 8)}@localhost`;
    const events: CeleryEvent[] = [];
    const subscription = await requireFanout(broker).subscribe(eventReceiverBinding(randomUUID()), (message) => {
      // A Celery worker batches task events: one message may hold several (routing key task.multi).
      for (const event of decodeEvents(message)) if (event.hostname === hostname) events.push(event);
    });
    pythonWorkers.push(startPythonCeleryWorker(options.celeryApp, options.env.E2E_QUEUE, options.env, ['-n', hostname, '--task-events']));
    const outcome = await pythonSend('tasks.add', [2, 3]);
    expect(outcome).toMatchObject({ status: 'SUCCESS', result: 5 });
    await waitUntil(() => events.some((event) => event.type === 'task-succeeded'), 30_000, { description: 'task-succeeded from Python' });
    const taskEvents = events.filter((event) => event.uuid === outcome.id);
    expect(taskEvents.map((event) => event.type)).toEqual(['task-received', 'task-started', 'task-succeeded']);
    expect(taskEvents[0]).toMatchObject({ name: 'tasks.add', args: '[2, 3]', hostname });
    expect(taskEvents[2]).toMatchObject({ result: '5' });
    expect(typeof taskEvents[2]?.runtime).toBe('number');
    for (const event of taskEvents) expect(event.clock).toBeGreaterThan(0);
    await subscription.close();
  }, 90_000);

  it("Celery's own EventReceiver and State build a worker and a SUCCESS task from events a tq process sends", async () => {
    const hostname = `tq-e2e@${randomUUID().slice(0, 8)}`;
    const child = spawn(PYTHON, ['celery_events_dump.py', hostname, '30', 'task-succeeded'], { cwd: FIXTURES, env: { ...process.env, ...options.env } });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
    await waitUntil(() => stdout.includes('listening'), 30_000, { description: 'the Python receiver to bind its queue' });

    const fanout = requireFanout(broker);
    const source = { hostname, pid: process.pid, clock: new LamportClock() };
    const send = (type: string, fields: Record<string, unknown>) => fanout.publish(eventAddress(type), { body: createEvent(type, fields, source), headers: { hostname } });
    const worker = { freq: 2, active: 0, processed: 0, loadavg: [0.1, 0.2, 0.3], sw_ident: 'tq', sw_ver: '0.1.0', sw_sys: 'Linux' };
    const id = randomUUID();
    await send('worker-online', worker);
    await send('worker-heartbeat', { ...worker, active: 1 });
    await send('task-received', { uuid: id, name: 'tasks.add', args: '[2, 3]', kwargs: '{}', retries: 0, eta: null, expires: null, root_id: id, parent_id: null });
    await send('task-started', { uuid: id });
    await send('task-succeeded', { uuid: id, result: '5', runtime: 0.012 });
    await exited;
    const report = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
    expect(report.types).toEqual(['worker-online', 'worker-heartbeat', 'task-received', 'task-started', 'task-succeeded']);
    expect(report.worker).toEqual({ alive: true, freq: 2, sw_ident: 'tq', processed: 0 });
    expect(report.tasks).toEqual({ [id]: { name: 'tasks.add', state: 'SUCCESS', result: '5', runtime: 0.012, worker: hostname } });
  }, 90_000);

  describe('a tq Worker, seen and steered by Celery’s own CLI', () => {
    const hostname = `tq-worker-e2e@${randomUUID().slice(0, 8)}`;
    let app: App;
    let worker: Worker;

    beforeAll(async () => {
      app = createApp({ broker: options.createBroker(), backend: createRedisBackend({ url: options.resultsUrl }) });
      app.task('tasks.add', (x: number, y: number) => x + y);
      app.task('tasks.sleep', async function (this: { signal: AbortSignal }, ms: number) {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(resolve, ms);
          this.signal.addEventListener('abort', () => {
            clearTimeout(timer);
            reject(this.signal.reason as Error);
          });
        });
        return ms;
      });
      worker = new Worker(app, { queues: [options.env.E2E_QUEUE], hostname, logLevel: 'silent', events: true, concurrency: 2 });
      await worker.start();
    });

    afterAll(async () => {
      await worker?.stop({ cold: true, timeoutMs: 0 });
      await app?.close();
    });

    /** `celery inspect …` prints one { host: reply } map; `celery control …` a list of them, merged here. */
    const celeryJson = async (args: string[]): Promise<Record<string, unknown>> => {
      const printed = JSON.parse((await celeryCli(options, [...args, '--json', '--timeout', '5', '--destination', hostname])).trim()) as unknown;
      return Array.isArray(printed) ? repliesByHostname(printed as Array<Record<string, unknown>>) : (printed as Record<string, unknown>);
    };

    it('celery inspect ping and active list the tq worker and its running task with id, name and args', async () => {
      expect(await celeryJson(['inspect', 'ping'])).toEqual({ [hostname]: { ok: 'pong' } });
      const running = await app.sendTask('tasks.sleep', [20_000], { queue: options.env.E2E_QUEUE });
      await waitUntil(() => worker.stats.active === 1, 10_000);
      const active = (await celeryJson(['inspect', 'active']))[hostname] as Array<Record<string, unknown>>;
      expect(active).toEqual([expect.objectContaining({ id: running.id, name: 'tasks.sleep', args: [20_000], hostname })]);

      // celery control terminate <signal> <id>: the running tq task stops and ends REVOKED.
      expect(await celeryJson(['control', 'terminate', 'SIGTERM', running.id])).toEqual({ [hostname]: { ok: `terminate: ${running.id}` } });
      await waitUntil(async () => (await app.backend!.get(running.id)).status === 'REVOKED', 10_000, { description: 'the terminated task to be REVOKED' });
    }, 90_000);

    it('celery control rate_limit changes the tq worker’s rate, as inspect registered then shows', async () => {
      expect(await celeryJson(['control', 'rate_limit', 'tasks.add', '10/m'])).toEqual({ [hostname]: { ok: 'new rate limit set successfully' } });
      expect((await celeryJson(['inspect', 'registered']))[hostname]).toContain('tasks.add [rate_limit=10/m]');
      expect(await celeryJson(['control', 'rate_limit', 'tasks.add', '0'])).toMatchObject({ [hostname]: { error: expect.stringMatching(/Invalid rate limit/u) } });
    }, 90_000);

    it("Celery's EventReceiver and State see the tq worker online and its task SUCCESS", async () => {
      const child = spawn(PYTHON, ['celery_events_dump.py', hostname, '30', 'task-succeeded'], { cwd: FIXTURES, env: { ...process.env, ...options.env } });
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
      await waitUntil(() => stdout.includes('listening'), 30_000, { description: 'the Python receiver to bind its queue' });
      await new Promise((resolve) => setTimeout(resolve, 2_500)); // one heartbeat, so State knows the worker
      const result = await app.sendTask('tasks.sleep', [10], { queue: options.env.E2E_QUEUE });
      expect(await result.get({ timeout: 10_000 })).toBe(10);
      await exited;
      const report = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { types: string[]; worker: Record<string, unknown>; tasks: Record<string, Record<string, unknown>> };
      expect(report.types).toEqual(expect.arrayContaining(['worker-heartbeat', 'task-received', 'task-started', 'task-succeeded']));
      expect(report.worker).toMatchObject({ alive: true, freq: 2, sw_ident: 'tq' });
      expect(report.tasks[result.id]).toMatchObject({ name: 'tasks.sleep', state: 'SUCCESS', result: '10', worker: hostname });
    }, 90_000);
  });

  describe('the tq CLI on a mixed fleet (a tq worker beside a Python Celery worker)', () => {
    const tqHost = `tq-cli-e2e@${randomUUID().slice(0, 8)}`;
    const pyHost = `py-cli-e2e-${randomUUID().slice(0, 8)}@localhost`;
    let app: App;
    let worker: Worker;
    let python: ChildProcess;

    /** `tq <args> --broker <url>`; resolves with its exit code and output (killed at 60 s). */
    const tq = async (args: string[]): Promise<{ code: number | string; output: string }> => {
      const cli = spawnCli([...args, '--broker', options.env.E2E_BROKER_URL], {});
      const timer = setTimeout(() => cli.child.kill('SIGKILL'), 60_000);
      const code = await cli.exited;
      clearTimeout(timer);
      return { code, output: cli.output() };
    };

    beforeAll(async () => {
      app = createApp({ broker: options.createBroker(), backend: createRedisBackend({ url: options.resultsUrl }) });
      app.task('tasks.add', (x: number, y: number) => x + y);
      worker = new Worker(app, { queues: [`${options.env.E2E_QUEUE}-tq`], hostname: tqHost, logLevel: 'silent' });
      await worker.start();
      python = startPythonCeleryWorker(options.celeryApp, options.env.E2E_QUEUE, options.env, ['-n', pyHost, '--task-events']);
      const mailbox = new ControlMailbox(requireFanout(app.broker));
      await waitUntil(async () => pyHost in repliesByHostname(await mailbox.call('ping', {}, { destination: [pyHost], timeoutMs: 500 })), 60_000, { intervalMs: 200, description: 'the Python worker to come up' });
      await mailbox.close();
    }, 90_000);

    afterAll(async () => {
      python?.kill('SIGKILL');
      await worker?.stop({ cold: true, timeoutMs: 0 });
      await app?.close();
    });

    it('tq status and tq inspect ping list both workers', async () => {
      const status = await tq(['status', '--timeout', '2']);
      expect(status.code).toBe(0);
      expect(status.output).toContain(`${tqHost}: OK`);
      expect(status.output).toContain(`${pyHost}: OK`);
      const ping = await tq(['inspect', 'ping', '--json', '--timeout', '2', '--destination', `${tqHost},${pyHost}`]);
      expect(JSON.parse(ping.output)).toEqual({ [tqHost]: { ok: 'pong' }, [pyHost]: { ok: 'pong' } });
    }, 90_000);

    it('tq inspect registered shows the Python worker’s tasks; tq control rate_limit answers from both', async () => {
      const registered = await tq(['inspect', 'registered', '--json', '--destination', pyHost, '--timeout', '5']);
      expect((JSON.parse(registered.output) as Record<string, string[]>)[pyHost]).toContain('tasks.add');
      const control = await tq(['control', 'rate_limit', 'tasks.add', '5/s', '--json', '--destination', `${tqHost},${pyHost}`, '--timeout', '5']);
      expect(JSON.parse(control.output)).toEqual({ [tqHost]: { ok: 'new rate limit set successfully' }, [pyHost]: { ok: 'new rate limit set successfully' } });
      const text = await tq(['inspect', 'ping', '--destination', tqHost]);
      expect(text.output).toContain(`->  ${tqHost}: OK\n        pong`);
      expect(text.output).toContain('1 node online.');
    }, 90_000);

    it('tq events --dump prints the Python worker’s task events as JSON lines', async () => {
      const cli = spawnCli(['events', '--dump', '--duration', '20', '--broker', options.env.E2E_BROKER_URL], {});
      await new Promise((resolve) => setTimeout(resolve, 1_500)); // its queue is bound
      const outcome = await pythonSend('tasks.add', [4, 5]);
      await waitUntil(() => cli.output().includes('"task-succeeded"') && cli.output().includes(outcome.id as string), 30_000, { description: 'task-succeeded in the dump' });
      cli.child.kill('SIGINT');
      await cli.exited;
      const events = cli
        .output()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((event) => event.uuid === outcome.id);
      expect(events.map((event) => event.type)).toEqual(['task-received', 'task-started', 'task-succeeded']);
      expect(events[2]).toMatchObject({ hostname: pyHost, result: '9' });
    }, 90_000);

    it('nobody answering is exit code 69 with a hint, as celery inspect', async () => {
      const result = await tq(['inspect', 'ping', '--destination', 'nobody@nowhere', '--timeout', '0.5']);
      expect(result.code).toBe(69);
      expect(result.output).toMatch(/no nodes replied within 0.5 s/u);
    }, 60_000);
  });

  it('a revoke sent with tq control while no worker runs is honoured by a worker started 5 s later', async () => {
    const queue = `${options.env.E2E_QUEUE}-durable`;
    const app = createApp({ broker: options.createBroker(), backend: createRedisBackend({ url: options.resultsUrl }) });
    let runs = 0;
    app.task('tasks.add', (x: number, y: number) => {
      runs += 1;
      return x + y;
    });
    try {
      const doomed = await app.sendTask('tasks.add', [1, 2], { queue });
      const cli = spawnCli(['control', 'revoke', doomed.id, '--broker', options.env.E2E_BROKER_URL, '--backend', options.resultsUrl, '--timeout', '0.5'], {});
      expect(await cli.exited).toBe(0);
      expect(cli.output()).toMatch(/no worker replied; the revoke is stored in redis:/u);
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      const kept = await app.sendTask('tasks.add', [2, 2], { queue });
      const worker = new Worker(app, { queues: [queue], logLevel: 'silent', control: false });
      await worker.start();
      try {
        expect(await kept.get({ timeout: 10_000 })).toBe(4);
        await waitUntil(async () => (await app.backend!.get(doomed.id)).status === 'REVOKED', 10_000, { description: 'the revoked task to be REVOKED' });
        expect(runs).toBe(1);
      } finally {
        await worker.stop({ cold: true, timeoutMs: 0 });
      }
    } finally {
      await app.close();
    }
  }, 60_000);
}
