import { AppControl } from '../control/app-control.js';
import { EventReceiver, type ReceiveOptions } from '../control/event-receiver.js';
import { TaskSentEvents } from '../control/task-sent-events.js';
import { hostname } from 'node:os';
import type { Broker, PublishOptions } from '../contracts/broker.js';
import type { ResultBackend } from '../contracts/backend.js';
import type { Serializer } from '../contracts/serializer.js';
import { createBrokerFromUrl, createBackendFromUrl } from '../registry/url-registry.js';
import { ConfigurationError } from '../errors/errors.js';
import { SerializerRegistry } from '../protocol/serializer-registry.js';
import { jsonSerializer } from '../protocol/json-serializer.js';
import { createInvocation, encodeTaskMessage } from '../protocol/task-message.js';
import { SENT_AT_HEADER } from '../protocol/sent-at.js';
import type { TaskInvocation } from '../protocol/task-invocation.js';
import { type Clock, systemClock } from '../util/clock.js';
import { type IdGenerator, uuidGenerator } from '../util/ids.js';
import { type Duration, toMilliseconds } from '../util/duration.js';
import type { AppOptions } from './app-options.js';
import { AsyncResult } from './async-result.js';
import { Task, type AnyTask, type SchemaArgsInput, type SchemaArgsOutput, type TaskArgs, type TaskFunction, type TaskResult, type TaskSender } from './task.js';
import type { TaskContext } from './task-context.js';
import { resolveTaskArguments, validateTaskArguments } from './task-arguments.js';
import { TaskRegistry } from './task-registry.js';
import { createRouter } from './task-routes.js';
import type { ApplyOptions, ArgsSchema, TaskOptions } from './task-options.js';
import { currentTask } from './current-task.js';
import { Hooks, type PublishHookInfo } from './hooks.js';
import { TaskScopes } from './task-scopes.js';
import { GroupResult } from '../canvas/group-result.js';

/** Takes over sending from the broker; see App.setDispatcher. */
export type InvocationDispatcher = (invocation: TaskInvocation, queue: string) => Promise<void>;

function seconds(duration: Duration | undefined, what: string): number | null {
  return duration === undefined ? null : toMilliseconds(duration, what) / 1_000;
}

/**
 * The application: its tasks, where they are sent (broker) and where results go (backend).
 * Adapters are resolved from URLs lazily, on first use, so the adapter package only has to be
 * imported before then.
 */
export class App implements TaskSender {
  readonly tasks = new TaskRegistry();
  readonly serializers = new SerializerRegistry();
  /** Celery's signals, typed: `app.hooks.on('task-failure', ...)`. A failing hook is reported, never fails the send or the task. */
  readonly hooks = new Hooks();
  /** What a worker runs task bodies inside (a tracing context): `app.taskScopes.use((task, run) => …)`. */
  readonly taskScopes = new TaskScopes();
  readonly defaultQueue: string;
  readonly clock: Clock;
  readonly generateId: IdGenerator;
  readonly origin: string;
  /** Encodes outgoing messages; incoming ones are decoded through `serializers` by content type. */
  readonly serializer: Serializer;
  private readonly route: (taskName: string) => string | undefined;
  private brokerInstance: Broker | undefined;
  private dispatcher: InvocationDispatcher | undefined;
  private backendInstance: ResultBackend | undefined;

  private readonly options: AppOptions;
  private controlClient: AppControl | undefined;
  private sentEvents: TaskSentEvents | undefined;

  constructor(options: AppOptions = {}) {
    this.options = { ...options };
    this.defaultQueue = options.defaultQueue ?? 'celery';
    this.clock = options.clock ?? systemClock;
    this.generateId = options.generateId ?? uuidGenerator;
    this.origin = options.origin ?? `${process.pid}@${hostname()}`;
    this.serializer = options.serializer ?? jsonSerializer;
    if (!this.serializers.has(this.serializer.contentType)) this.serializers.register(this.serializer);
    this.route = createRouter(options.taskRoutes);
    this.adoptInstances(options);
  }

  /** Use a broker or backend given as an instance (a URL is resolved lazily by the getters). */
  private adoptInstances(options: Pick<AppOptions, 'broker' | 'backend'>): void {
    if (typeof options.broker === 'object') this.brokerInstance = options.broker;
    if (typeof options.backend === 'object' && options.backend !== null) this.backendInstance = options.backend;
  }

  /** The broker, built from its URL on first access. */
  get broker(): Broker {
    this.brokerInstance ??= createBrokerFromUrl((this.options.broker as string | undefined) ?? 'memory://');
    return this.brokerInstance;
  }

  /** The result backend, built from its URL on first access; undefined when results are disabled. */
  get backend(): ResultBackend | undefined {
    if (this.options.backend === null) return undefined;
    this.backendInstance ??= createBackendFromUrl((this.options.backend as string | undefined) ?? 'memory://');
    return this.backendInstance;
  }

  /** Whether the broker or backend was set (by createApp or configure), rather than left to the default. */
  isConfigured(what: 'broker' | 'backend'): boolean {
    return this.options[what] !== undefined;
  }

  /**
   * Replace the broker and/or backend before first use (the CLI applies --broker and
   * TQ_BROKER_URL this way). Throws once the adapter has been created.
   */
  configure(options: Pick<AppOptions, 'broker' | 'backend'>): void {
    for (const what of ['broker', 'backend'] as const) {
      if (!(what in options)) continue;
      const created = what === 'broker' ? this.brokerInstance : this.backendInstance;
      if (created !== undefined && created !== options[what]) {
        throw new ConfigurationError(`The ${what} is already in use; configure() must come before the app sends or reads anything.`);
      }
    }
    if ('broker' in options) this.options.broker = options.broker;
    if ('backend' in options) this.options.backend = options.backend;
    this.adoptInstances(options);
  }

  /**
   * Register a task whose arguments are checked at runtime by a Standard Schema (`options.args`):
   * the function's parameters are the schema's output, callers pass its input.
   */
  task<S extends ArgsSchema, R>(name: string, fn: (this: TaskContext, ...args: SchemaArgsOutput<S>) => R, options: TaskOptions & { args: S }): Task<SchemaArgsInput<S>, Awaited<R>>;
  /** Register a task. Argument and result types are inferred from `fn`. */
  task<F extends TaskFunction>(name: string, fn: F, options?: TaskOptions & { args?: undefined }): Task<TaskArgs<F>, TaskResult<F>>;
  task(name: string, fn: TaskFunction, options: TaskOptions = {}): AnyTask {
    const task: AnyTask = new Task(name, fn, { ...this.options.taskDefaults, ...options }, this);
    this.tasks.add(task);
    return task;
  }

  /** Send a task by name, registered here or not (e.g. one implemented by a Python Celery worker). */
  sendTask<Result = unknown>(name: string, args: unknown[] = [], options: ApplyOptions = {}): Promise<AsyncResult<Result>> {
    const taskOptions = this.tasks.get(name)?.options ?? this.options.taskDefaults ?? {};
    return this.sendTaskCall<Result>(name, args, taskOptions, options);
  }

  /** A result handle for a task id. */
  asyncResult<Result = unknown>(taskId: string): AsyncResult<Result> {
    return new AsyncResult<Result>(taskId, () => this.backend);
  }

  /** A group's results by its id, as saved when the group (or chord header) was applied; undefined when unknown. */
  async restoreGroup<Results extends unknown[] = unknown[]>(groupId: string): Promise<GroupResult<Results> | undefined> {
    const backend = this.backend;
    if (backend === undefined) throw new ConfigurationError('This app has no result backend; groups are saved in the backend.');
    const ids = await backend.restoreGroup(groupId);
    if (ids === undefined) return undefined;
    return new GroupResult<Results>(groupId, ids.map((id) => this.asyncResult(id)), () => this.backend);
  }

  /** The queue a task name goes to when the call names none. */
  queueFor(taskName: string, taskOptions: TaskOptions = {}): string {
    return taskOptions.queue ?? this.route(taskName) ?? this.defaultQueue;
  }

  async sendTaskCall<Result>(name: string, args: unknown[], taskOptions: TaskOptions, options: ApplyOptions): Promise<AsyncResult<Result>> {
    // Checked as the worker will (kwargs mapped first), but the original arguments are sent: the
    // worker applies the schema's transforms itself.
    if (taskOptions.args !== undefined && (options.validate ?? taskOptions.validateOnSend ?? true)) {
      await validateTaskArguments(name, taskOptions.args, resolveTaskArguments(taskOptions, args, options.kwargs ?? {}));
    }
    const now = this.clock.now();
    const id = options.taskId ?? this.generateId();
    // Sent from inside a running task: join its workflow (Celery's parent_id / root_id) and count as its child.
    const current = currentTask();
    current?.children.push(id);
    const eta = options.eta !== undefined ? new Date(options.eta).getTime() : options.countdown !== undefined ? now + toMilliseconds(options.countdown, 'countdown') : null;
    const expiresOption = options.expires ?? taskOptions.expires;
    const expires = expiresOption === undefined ? null : expiresOption instanceof Date ? expiresOption.getTime() : now + toMilliseconds(expiresOption, 'expires');
    const invocation = createInvocation({
      id,
      task: name,
      args: [...args],
      kwargs: options.kwargs ?? {},
      rootId: options.rootId ?? current?.rootId ?? id,
      parentId: options.parentId ?? current?.id ?? null,
      embed: { callbacks: options.embed?.callbacks ?? null, errbacks: options.embed?.errbacks ?? null, chain: options.embed?.chain ?? null, chord: options.embed?.chord ?? null },
      groupId: options.groupId ?? null,
      groupIndex: options.groupIndex ?? null,
      eta,
      expires,
      timeLimit: [seconds(options.timeLimit ?? taskOptions.timeLimit, 'timeLimit'), seconds(options.softTimeLimit ?? taskOptions.softTimeLimit, 'softTimeLimit')],
      ignoreResult: options.ignoreResult ?? taskOptions.ignoreResult ?? false,
      priority: options.priority ?? taskOptions.priority ?? null,
      origin: this.origin,
      // Stamped so a worker can measure the queue wait; a caller's own header of that name wins.
      extraHeaders: { [SENT_AT_HEADER]: now / 1_000, ...options.headers },
    });
    await this.publishInvocation(invocation, options.queue ?? this.queueFor(name, taskOptions));
    return new AsyncResult<Result>(id, () => this.backend);
  }

  /**
   * Route every call through `dispatcher` instead of the broker (eager mode in @tq/testing runs
   * them in-process); undefined restores the broker.
   */
  setDispatcher(dispatcher: InvocationDispatcher | undefined): void {
    this.dispatcher = dispatcher;
  }

  /**
   * Encode and publish a prepared call; a future `eta` is delivered by the broker when due.
   * `republish` marks a call re-sent by a worker (a retry): its priority is the message's own, from
   * the wire, so it travels in the properties only, and a broker without priorities drops it instead
   * of refusing the send (Celery 5.2 sets `priority: 0` on every message).
   */
  async publishInvocation(invocation: TaskInvocation, queue: string, options: { republish?: boolean } = {}): Promise<void> {
    if (this.dispatcher !== undefined) return this.dispatcher(invocation, queue);
    const hooked = this.hooks.has('before-publish') || this.hooks.has('after-publish') ? publishHookInfo(invocation, queue, options.republish === true) : undefined;
    if (hooked !== undefined) await this.hooks.run('before-publish', hooked);
    const publishOptions: PublishOptions = { queue };
    if (invocation.priority !== null && options.republish !== true) publishOptions.priority = invocation.priority;
    if (invocation.eta !== null && invocation.eta > this.clock.now()) publishOptions.deliverAt = invocation.eta;
    const message = encodeTaskMessage(invocation, this.serializer);
    await this.broker.publish(message, publishOptions);
    if (hooked !== undefined) await this.hooks.run('after-publish', hooked);
    if (this.options.sendSentEvents === true && options.republish !== true) (this.sentEvents ??= new TaskSentEvents(() => this.broker)).emit(invocation, message, queue);
  }

  /** Connect broker and backend now, to fail early on a wrong URL or a server that is down. */
  async connect(): Promise<void> {
    await Promise.all([this.broker.connect(), this.backend?.connect()]);
  }

  /** Close the broker and backend this app created or was given. */
  /** Celery's app.control: inspect and steer running workers (tq and Celery) over the broker's broadcast. */
  get control(): AppControl {
    return (this.controlClient ??= new AppControl(() => this.broker, () => this.backend));
  }

  /** Celery's app.events: `await app.events.receive({ handlers })`, or iterate the receiver. */
  get events(): { receive(options?: ReceiveOptions): Promise<EventReceiver> } {
    return { receive: (options) => EventReceiver.open(this.broker, options) };
  }

  async close(): Promise<void> {
    await this.controlClient?.close();
    await Promise.all([this.brokerInstance?.close(), this.backendInstance?.close()]);
  }
}

/** Create an app: `createApp({ broker: 'redis://127.0.0.1:6379', backend: 'redis://127.0.0.1:6379/1' })`. */
function publishHookInfo(invocation: TaskInvocation, queue: string, republish: boolean): PublishHookInfo {
  const { id, task, args, kwargs, retries, rootId, parentId, eta } = invocation;
  return { id, task, args, kwargs, queue, headers: invocation.extraHeaders, retries, rootId, parentId, eta, republish };
}

export function createApp(options: AppOptions = {}): App {
  return new App(options);
}
