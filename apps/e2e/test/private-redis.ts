import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, waitForServer } from './support/private-servers.js';
import { pingRedis } from './support/shared-servers.js';

/**
 * A redis-server of the test's own, on a free loopback port, with append-only persistence
 * (fsync always) so what it acknowledged survives a restart. Fault tests stop and start this
 * one, never the shared server on 6379 that other suites use.
 */
export interface PrivateRedis {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stop for good and delete its data directory. */
  destroy(): Promise<void>;
}

export function redisServerInstalled(): boolean {
  return spawnSync('redis-server', ['--version']).status === 0;
}

/** Refusals are the expected answer while the server is down. */
function waitForPing(url: string, timeoutMs: number): Promise<void> {
  return waitForServer(() => pingRedis(url), timeoutMs, 50);
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'tq-private-redis-'));
  const url = `redis://127.0.0.1:${port}/0`;
  const launch = async (): Promise<void> => {
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--daemonize', 'no', '--logfile', join(dir, 'redis.log')], {
      stdio: 'ignore',
      detached: false,
    });
    child.unref();
    await waitForPing(url, 10_000);
  };
  const stop = async (): Promise<void> => {
    const client = new Redis(url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined);
    // SHUTDOWN closes the connection instead of replying; the error is the expected outcome.
    await client.call('SHUTDOWN', 'NOSAVE').catch(() => undefined);
    client.disconnect();
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      try {
        await waitForPing(url, 0);
      } catch {
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`private redis on ${port} did not stop`);
  };
  await launch();
  return {
    url,
    port,
    stop,
    start: launch,
    async destroy() {
      await stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
