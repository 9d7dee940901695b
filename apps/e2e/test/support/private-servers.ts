import { createServer } from 'node:net';

/**
 * What the private-server helpers (private Redis, RabbitMQ, PostgreSQL: the instances fault tests
 * may stop and restart) share: a free loopback port, and waiting for a server to answer.
 */

/** A port nothing listens on right now, on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Run `probe` until it resolves, every `intervalMs`; past `timeoutMs` its last error is thrown. */
export async function waitForServer(probe: () => Promise<void>, timeoutMs: number, intervalMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await probe();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}
