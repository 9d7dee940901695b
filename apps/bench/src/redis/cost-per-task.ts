import { Redis } from 'ioredis';
import { bullmqSystem } from './bullmq-system.js';
import { REDIS_URL, type QueueSystem } from './system.js';
import { tqSystem } from './tq-system.js';

interface ServerCounters {
  calls: Map<string, number>;
  cpuSeconds: number;
}

async function readCounters(redis: Redis): Promise<ServerCounters> {
  const commandStats = (await redis.info('commandstats')) as string;
  const cpu = (await redis.info('cpu')) as string;
  const calls = new Map<string, number>();
  for (const match of commandStats.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls.set(match[1]!, Number(match[2]));
  const field = (name: string): number => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(cpu)?.[1] ?? 0);
  return { calls, cpuSeconds: field('used_cpu_user') + field('used_cpu_sys') };
}

export interface TaskCost {
  system: string;
  commandsPerTask: Record<string, number>;
  totalCommandsPerTask: number;
  redisCpuMicrosPerTask: number;
  nodeCpuMicrosPerTask: number;
}

/**
 * What one no-op task costs, enqueue to result: Redis commands (from INFO commandstats),
 * Redis CPU and this process's CPU. Unlike rates these barely depend on what else the
 * machine is doing, so they show where the time goes on a shared machine.
 */
async function measureCost(system: QueueSystem, tasks: number, concurrency: number, redis: Redis): Promise<TaskCost> {
  const before = await readCounters(redis);
  const nodeBefore = process.cpuUsage();
  await system.enqueueBulk(tasks);
  await system.drain(tasks, concurrency);
  const nodeCpu = process.cpuUsage(nodeBefore);
  const after = await readCounters(redis);
  // The two INFO calls of `before` and one of `after` are ours; they are noise at thousands of tasks.
  const commandsPerTask: Record<string, number> = {};
  let total = 0;
  for (const [command, calls] of after.calls) {
    const delta = calls - (before.calls.get(command) ?? 0);
    if (delta <= 0 || command === 'info') continue;
    commandsPerTask[command] = Math.round((delta / tasks) * 100) / 100;
    total += delta;
  }
  return {
    system: system.name,
    commandsPerTask,
    totalCommandsPerTask: Math.round((total / tasks) * 100) / 100,
    redisCpuMicrosPerTask: Math.round(((after.cpuSeconds - before.cpuSeconds) * 1e6) / tasks),
    nodeCpuMicrosPerTask: Math.round((nodeCpu.user + nodeCpu.system) / tasks),
  };
}

export async function costPerTask(options: { tasks: number; concurrency: number }): Promise<string> {
  const redis = new Redis(REDIS_URL);
  const rows: TaskCost[] = [];
  try {
    for (const create of [tqSystem, bullmqSystem]) {
      const system = create(`${process.pid}-cost`);
      try {
        // A warm-up pass so JIT and connection setup are not counted.
        await system.enqueueBulk(1_000);
        await system.drain(1_000, options.concurrency);
        rows.push(await measureCost(system, options.tasks, options.concurrency, redis));
      } finally {
        await system.close();
      }
    }
  } finally {
    redis.disconnect();
  }
  const header = `| system | Redis commands / task | Redis CPU µs / task | Node CPU µs / task | commands |\n|---|---|---|---|---|`;
  const lines = rows.map((row) => {
    const commands = Object.entries(row.commandsPerTask)
      .sort((a, b) => b[1] - a[1])
      .map(([name, count]) => `${name} ${count}`)
      .join(', ');
    return `| ${row.system} | ${row.totalCommandsPerTask} | ${row.redisCpuMicrosPerTask} | ${row.nodeCpuMicrosPerTask} | ${commands} |`;
  });
  return [`${options.tasks} no-op tasks, bulk enqueue then drain at c=${options.concurrency}, after a 1,000-task warm-up:`, '', header, ...lines].join('\n');
}
