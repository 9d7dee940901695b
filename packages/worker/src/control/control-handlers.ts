import type { ControlTarget } from './control-target.js';

/**
 * Celery's remote-control commands (celery/worker/control.py) with its names, arguments and reply
 * shapes, over a ControlTarget. A handler returns the reply; a throw becomes Celery's
 * `{ error: "<what>" }` reply. `ok`/`nok` are Celery's own reply helpers.
 */

export type ControlArguments = Readonly<Record<string, unknown>>;
export type ControlHandler = (target: ControlTarget, args: ControlArguments) => unknown;

const ok = (value: unknown) => ({ ok: value });
const nok = (value: unknown) => ({ error: value });

/** Celery's `variadic` arguments: one id or a list of them. */
function idList(value: unknown): string[] {
  if (typeof value === 'string') return value === '' ? [] : [value];
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
  return [];
}

function stringArgument(args: ControlArguments, name: string): string {
  const value = args[name];
  if (typeof value !== 'string' || value === '') throw new TypeError(`argument "${name}" must be a non-empty string`);
  return value;
}

function numberOrNull(value: unknown, name: string): number | null {
  if (value === undefined || value === null) return null;
  const number = typeof value === 'string' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isFinite(number) || number < 0) throw new TypeError(`argument "${name}" must be a number of seconds`);
  return number;
}

function nonNegativeInteger(value: unknown, name: string): number {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < 0) throw new TypeError(`argument "${name}" must be a whole number of 0 or more`);
  return number;
}

function positiveInteger(value: unknown, fallback: number, name: string): number {
  if (value === undefined || value === null) return fallback;
  const number = typeof value === 'string' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < 1) throw new TypeError(`argument "${name}" must be a positive integer`);
  return number;
}

async function revoke(target: ControlTarget, args: ControlArguments): Promise<unknown> {
  const ids = idList(args.task_id);
  const terminate = args.terminate === true;
  const { terminated } = await target.revoke(ids, { terminate, signal: typeof args.signal === 'string' ? args.signal : null });
  if (terminate) return ok(terminated.length === 0 ? 'terminate: tasks unknown' : `terminate: ${terminated.join(', ')}`);
  return ok(`tasks ${ids.join(', ')} flagged as revoked`);
}

export const CONTROL_HANDLERS: Readonly<Record<string, ControlHandler>> = {
  ping: () => ok('pong'),
  stats: (target) => target.stats(),
  active: (target) => target.active(),
  reserved: (target) => target.reserved(),
  // tq holds no eta'd tasks in memory: not-yet-due messages wait on the broker (ARCHITECTURE §3.6).
  scheduled: () => [],
  revoked: (target) => target.revoked(),
  registered: (target) => target.registered().map(({ name, rateLimit }) => (rateLimit === null ? name : `${name} [rate_limit=${rateLimit}]`)),
  query_task: (target, args) => {
    const ids = new Set(idList(args.ids ?? args.task_id));
    const replies: Record<string, [string, unknown]> = {};
    for (const request of target.active()) if (ids.has(request.id)) replies[request.id] = ['active', request];
    for (const request of target.reserved()) if (ids.has(request.id) && !(request.id in replies)) replies[request.id] = ['reserved', request];
    return replies;
  },
  active_queues: (target) =>
    target.queues().map((name) => ({ name, exchange: { name, type: 'direct' }, routing_key: name, durable: true, exclusive: false, auto_delete: false, no_ack: false })),
  conf: (target) => target.conf(),
  report: (target) => ok(`tq worker ${target.hostname} (pid ${target.pid}); queues: ${target.queues().join(', ')}`),
  clock: () => ({ clock: 0 }),
  revoke,
  terminate: (target, args) => revoke(target, { ...args, terminate: true }),
  rate_limit: (target, args) => {
    const taskName = stringArgument(args, 'task_name');
    const rate = args.rate_limit === null || args.rate_limit === '' || args.rate_limit === undefined ? null : String(args.rate_limit);
    let known: boolean;
    try {
      known = target.setRateLimit(taskName, rate);
    } catch (error) {
      return nok(`Invalid rate limit string: ${(error as Error).message}`);
    }
    if (!known) return nok('unknown task');
    return ok(rate === null ? 'rate limit disabled successfully' : 'new rate limit set successfully');
  },
  time_limit: (target, args) => {
    const taskName = stringArgument(args, 'task_name');
    if (!target.setTimeLimit(taskName, { soft: numberOrNull(args.soft, 'soft'), hard: numberOrNull(args.hard, 'hard') })) return nok('unknown task');
    return ok('time limits set successfully');
  },
  add_consumer: async (target, args) => {
    const queue = stringArgument(args, 'queue');
    await target.addConsumer(queue);
    return ok(`add consumer ${queue}`);
  },
  cancel_consumer: async (target, args) => {
    const queue = stringArgument(args, 'queue');
    await target.cancelConsumer(queue);
    return ok(`no longer consuming from ${queue}`);
  },
  enable_events: (target) => {
    target.setEvents(true);
    return ok('task events enabled');
  },
  disable_events: (target) => {
    target.setEvents(false);
    return ok('task events disabled');
  },
  heartbeat: (target) => {
    target.sendHeartbeat();
    return undefined;
  },
  pool_grow: (target, args) => {
    const problem = target.resizePool({ grow: positiveInteger(args.n, 1, 'n') });
    return problem === undefined ? ok('pool will grow') : nok(problem);
  },
  pool_shrink: (target, args) => {
    const problem = target.resizePool({ shrink: positiveInteger(args.n, 1, 'n') });
    return problem === undefined ? ok('pool will shrink') : nok(problem);
  },
  autoscale: (target, args) => {
    const max = args.max === undefined || args.max === null ? undefined : positiveInteger(args.max, 1, 'max');
    const min = args.min === undefined || args.min === null ? undefined : nonNegativeInteger(args.min, 'min');
    const problem = target.resizePool({ autoscale: { max, min } });
    // Celery raises ValueError here, which its pidbox turns into an error reply.
    if (problem !== undefined) throw new Error(problem);
    const limits = target.poolLimits();
    return ok(`autoscale now max=${limits.max} min=${limits.min}`);
  },
  shutdown: (target, args) => {
    target.shutdown(typeof args.msg === 'string' ? args.msg : 'Got shutdown from remote');
    return undefined;
  },
};
