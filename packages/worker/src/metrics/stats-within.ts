import type { Broker, QueueStats } from '@tq/core';

/** `broker.stats(queue)`, or the error it failed with, or a timeout error after `timeoutMs`: a probe never hangs on a dead broker. */
export async function statsWithin(broker: Broker, queue: string, timeoutMs: number): Promise<QueueStats | Error> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Error>((resolve) => (timer = setTimeout(() => resolve(new Error(`stats for ${queue} took longer than ${timeoutMs}ms`)), timeoutMs)));
  try {
    return await Promise.race([broker.stats(queue).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error)))), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
