import type { CeleryEvent } from '@tq/core';

/** Celery's rule (events.state): a worker is alive while its last heartbeat is younger than twice its frequency. */
const HEARTBEAT_EXPIRE_FACTOR = 2;
const MAX_TASKS = 100;

export interface WorkerRow {
  hostname: string;
  swIdent: string;
  active: number;
  processed: number;
  lastSeen: number;
  freq: number;
  offline: boolean;
}

export interface TaskRow {
  uuid: string;
  name: string;
  state: string;
  worker: string;
  runtime: number | null;
  updated: number;
}

const TASK_STATES: Readonly<Record<string, string>> = {
  'task-sent': 'PENDING',
  'task-received': 'RECEIVED',
  'task-started': 'STARTED',
  'task-succeeded': 'SUCCESS',
  'task-failed': 'FAILURE',
  'task-retried': 'RETRY',
  'task-rejected': 'REJECTED',
  'task-revoked': 'REVOKED',
};

/** What `tq events` shows: workers and the latest tasks, built from events as Celery's State builds them. */
export class EventState {
  readonly workers = new Map<string, WorkerRow>();
  readonly tasks = new Map<string, TaskRow>();

  apply(event: CeleryEvent): void {
    if (event.type.startsWith('worker-')) {
      const row = this.workers.get(event.hostname) ?? { hostname: event.hostname, swIdent: '', active: 0, processed: 0, lastSeen: 0, freq: 2, offline: false };
      row.lastSeen = event.timestamp;
      row.offline = event.type === 'worker-offline';
      if (typeof event.sw_ident === 'string') row.swIdent = event.sw_ident;
      if (typeof event.active === 'number') row.active = event.active;
      if (typeof event.processed === 'number') row.processed = event.processed;
      if (typeof event.freq === 'number') row.freq = event.freq;
      this.workers.set(event.hostname, row);
      return;
    }
    const state = TASK_STATES[event.type];
    const uuid = event.uuid;
    if (state === undefined || typeof uuid !== 'string') return;
    const row = this.tasks.get(uuid) ?? { uuid, name: '', state, worker: event.hostname, runtime: null, updated: 0 };
    row.state = state;
    row.worker = event.hostname;
    row.updated = event.timestamp;
    if (typeof event.name === 'string') row.name = event.name;
    if (typeof event.runtime === 'number') row.runtime = event.runtime;
    this.tasks.delete(uuid); // most recent last
    this.tasks.set(uuid, row);
    while (this.tasks.size > MAX_TASKS) this.tasks.delete(this.tasks.keys().next().value as string);
  }

  alive(row: WorkerRow, nowSeconds: number): boolean {
    return !row.offline && nowSeconds - row.lastSeen <= row.freq * HEARTBEAT_EXPIRE_FACTOR;
  }

  /** A plain-text screen: the workers, then the newest tasks first. */
  render(nowSeconds: number, maxTasks = 20): string {
    const lines = ['WORKER                                  SOFTWARE  STATUS   ACTIVE  PROCESSED'];
    for (const row of [...this.workers.values()].sort((a, b) => a.hostname.localeCompare(b.hostname))) {
      const status = this.alive(row, nowSeconds) ? 'online' : 'offline';
      lines.push(`${row.hostname.padEnd(40)}${row.swIdent.padEnd(10)}${status.padEnd(9)}${String(row.active).padStart(6)}  ${String(row.processed).padStart(9)}`);
    }
    lines.push('', 'TASK                                  NAME                      STATE     WORKER                        RUNTIME');
    for (const row of [...this.tasks.values()].reverse().slice(0, maxTasks)) {
      const runtime = row.runtime === null ? '' : `${row.runtime.toFixed(3)}s`;
      lines.push(`${row.uuid.padEnd(38)}${row.name.slice(0, 25).padEnd(26)}${row.state.padEnd(10)}${row.worker.slice(0, 29).padEnd(30)}${runtime}`);
    }
    return `${lines.join('\n')}\n`;
  }
}
