import type { App, BrokerMessage, PublishOptions, Task, TaskContext } from '@tq/core';
import { randomNamespace } from '../random-names.js';
import { startTestWorker, type TestWorker } from '../test-worker.js';
import { type CanvasConformanceOptions, canvasSettleTimeoutMs } from './canvas-conformance-options.js';

/** Thrown by canvas.fail, so tests can tell the planned failure from a bug. */
export class PlannedFailure extends Error {
  override name = 'PlannedFailure';
}

/**
 * One test's world: an app on a fresh namespace with the suite's tasks, an in-process worker, a
 * record of every published message (to redeliver chord headers), and counters of body runs and
 * errback calls. Tasks: add(x, y), mul(x, y), xsum(numbers) (counted), fail(…) (throws),
 * onError(taskId) (records), spawn(x) (sends add from inside), replaceWithChain(x).
 */
export class CanvasHarness {
  readonly namespace = randomNamespace();
  readonly published: Array<{ message: BrokerMessage; options: PublishOptions }> = [];
  readonly bodyRuns: number[][] = [];
  readonly errbackCalls: string[] = [];
  /** Every chord header / group member message is published this many times (duplicate delivery). */
  duplicateGroupMessages = 1;
  private worker: TestWorker | undefined;
  private appInstance: App | undefined;

  constructor(readonly options: CanvasConformanceOptions) {}

  get settleTimeoutMs(): number {
    return canvasSettleTimeoutMs(this.options);
  }

  async app(): Promise<App> {
    if (this.appInstance !== undefined) return this.appInstance;
    const app = await this.options.createApp({ namespace: this.namespace });
    this.appInstance = app;
    const broker = app.broker;
    const publish = broker.publish.bind(broker);
    // Record (and optionally duplicate) what is published: redelivery injection, not a fake broker.
    broker.publish = async (message, options) => {
      this.published.push({ message, options });
      const copies = typeof message.headers.group === 'string' ? this.duplicateGroupMessages : 1;
      for (let copy = 0; copy < copies; copy++) await publish(message, options);
    };
    return app;
  }

  /** The suite's tasks, registered once per app. */
  async tasks() {
    const app = await this.app();
    if (app.tasks.has('canvas.add')) return this.registered(app);
    const add = app.task('canvas.add', (x: number, y: number) => x + y);
    const mul = app.task('canvas.mul', (x: number, y: number) => x * y);
    app.task('canvas.xsum', (numbers: number[]) => {
      this.bodyRuns.push(numbers);
      return numbers.reduce((sum, value) => sum + value, 0);
    });
    app.task('canvas.fail', (..._args: unknown[]): number => {
      throw new PlannedFailure('planned failure');
    });
    app.task('canvas.on_error', (taskId: string) => {
      this.errbackCalls.push(taskId);
      return taskId;
    });
    app.task('canvas.spawn', async (x: number) => {
      const child = await add.delay(x, 1);
      return child.id;
    });
    app.task('canvas.replace_with_chain', function (this: TaskContext, x: number): number {
      return this.replace(add.s(x, 1).then(mul.s(2)));
    });
    return this.registered(app);
  }

  private registered(app: App) {
    const get = <Args extends unknown[], Result>(name: string) =>
      app.tasks.require(name) as unknown as Task<Args, Result>;
    return {
      add: get<[x: number, y: number], number>('canvas.add'),
      mul: get<[x: number, y: number], number>('canvas.mul'),
      xsum: get<[numbers: number[]], number>('canvas.xsum'),
      fail: get<[x: number], number>('canvas.fail'),
      onError: get<[taskId: string], string>('canvas.on_error'),
      spawn: get<[x: number], string>('canvas.spawn'),
      replaceWithChain: get<[x: number], number>('canvas.replace_with_chain'),
    };
  }

  async startWorker(): Promise<TestWorker> {
    await this.tasks();
    this.worker ??= await startTestWorker(await this.app(), { concurrency: 8 });
    return this.worker;
  }

  /** Publish again every recorded message of a chord header group (a redelivery of each header task). */
  async redeliverGroup(groupId: string): Promise<number> {
    const app = await this.app();
    const copies = this.published.filter(({ message }) => message.headers.group === groupId);
    for (const { message, options } of copies) await app.broker.publish(message, options);
    return copies.length;
  }

  async cleanup(): Promise<void> {
    await this.worker?.stop().catch(() => undefined);
    await this.appInstance?.close().catch(() => undefined);
  }
}
