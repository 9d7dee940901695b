import { ConfigurationError } from '@tq/core';

/**
 * Positional arguments of Celery's inspect/control commands (their `args` and `variadic` in
 * celery/worker/control.py), so `tq control rate_limit tasks.add 10/m` sends what
 * `celery control rate_limit tasks.add 10/m` sends.
 */
interface Signature {
  readonly args: ReadonlyArray<readonly [name: string, type: 'string' | 'number']>;
  readonly variadic?: string;
}

export const INSPECT_METHODS: Readonly<Record<string, Signature>> = {
  ping: { args: [] },
  stats: { args: [] },
  active: { args: [] },
  reserved: { args: [] },
  scheduled: { args: [] },
  revoked: { args: [] },
  registered: { args: [], variadic: 'taskinfoitems' },
  query_task: { args: [], variadic: 'ids' },
  active_queues: { args: [] },
  conf: { args: [] },
  report: { args: [] },
  clock: { args: [] },
};

export const CONTROL_METHODS: Readonly<Record<string, Signature>> = {
  revoke: { args: [], variadic: 'task_id' },
  terminate: { args: [['signal', 'string']], variadic: 'task_id' },
  rate_limit: { args: [['task_name', 'string'], ['rate_limit', 'string']] },
  time_limit: { args: [['task_name', 'string'], ['soft', 'number'], ['hard', 'number']] },
  enable_events: { args: [] },
  disable_events: { args: [] },
  heartbeat: { args: [] },
  pool_grow: { args: [['n', 'number']] },
  pool_shrink: { args: [['n', 'number']] },
  autoscale: { args: [['max', 'number'], ['min', 'number']] },
  shutdown: { args: [] },
  add_consumer: { args: [['queue', 'string'], ['exchange', 'string'], ['exchange_type', 'string'], ['routing_key', 'string']] },
  cancel_consumer: { args: [['queue', 'string']] },
};

/** The `arguments` of a control request from the command line's words. */
export function commandArguments(kind: 'inspect' | 'control', method: string, words: readonly string[]): Record<string, unknown> {
  const table = kind === 'inspect' ? INSPECT_METHODS : CONTROL_METHODS;
  const signature = Object.hasOwn(table, method) ? table[method] : undefined;
  if (signature === undefined) {
    throw new ConfigurationError(`Unknown ${kind} command "${method}". Use one of: ${Object.keys(table).join(', ')}.`);
  }
  const args: Record<string, unknown> = {};
  signature.args.forEach(([name, type], index) => {
    const word = words[index];
    if (word === undefined) return;
    const value = type === 'number' ? Number(word) : word;
    if (type === 'number' && !Number.isFinite(value)) throw new ConfigurationError(`${method}: ${name} must be a number, got "${word}".`);
    args[name] = value;
  });
  const rest = words.slice(signature.args.length);
  if (signature.variadic !== undefined) args[signature.variadic] = rest;
  else if (rest.length > 0) throw new ConfigurationError(`${method} takes at most ${signature.args.length} argument${signature.args.length === 1 ? '' : 's'}, got ${words.length}.`);
  return args;
}
