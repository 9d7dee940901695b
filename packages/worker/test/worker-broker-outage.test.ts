import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { simulateOutage } from '@tq/core/memory';
import { testApp, testWorker, waitFor } from './harness.js';

interface LogLine {
  level: number;
  msg: string;
  err?: { message: string };
  attempt?: number;
  outageMs?: number;
}

/** A pino logger that keeps every line, so a test can read what an operator would see. */
function capturingLogger(): { logger: pino.Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) });
  return { logger, lines };
}

const WARN = 40;
const INFO = 30;
const DEBUG = 20;

describe('worker: broker outages', () => {
  it('logs the disconnect (warn, with the cause), each retry (debug) and the reconnect (info, with the outage), and emits events', async () => {
    const app = testApp();
    const echo = app.task('tasks.echo', (value: string) => value);
    const { logger, lines } = capturingLogger();
    const worker = testWorker(app, { logger });
    const events: string[] = [];
    worker.on('broker-disconnected', (event) => events.push(`disconnected: ${event.cause.message}`));
    worker.on('broker-reconnected', (event) => events.push(`reconnected after ${event.outageMs}ms`));
    await worker.start();

    const outage = simulateOutage(app.broker, new Error('ECONNRESET 127.0.0.1:6379'));
    outage.retry(100);
    outage.retry(200);
    outage.restore();

    const outageLines = lines.filter((line) => /broker/.test(line.msg));
    expect(outageLines.map((line) => [line.level, line.msg])).toEqual([
      [WARN, 'broker connection lost: ECONNRESET 127.0.0.1:6379; reconnecting'],
      [DEBUG, 'broker reconnect attempt 1 in 100ms'],
      [DEBUG, 'broker reconnect attempt 2 in 200ms'],
      [INFO, expect.stringMatching(/^broker connection restored after \d+ms$/)],
    ]);
    expect(outageLines[0]?.err?.message).toBe('ECONNRESET 127.0.0.1:6379');
    expect(events).toEqual(['disconnected: ECONNRESET 127.0.0.1:6379', expect.stringMatching(/^reconnected after \d+ms$/)]);
    // An outage the worker recovers from is not a worker error.
    expect(lines.filter((line) => line.level > WARN)).toEqual([]);
    expect(await (await echo.delay('still working')).get({ timeout: 2_000 })).toBe('still working');
  });

  it('consumes again once the broker is back', async () => {
    const app = testApp();
    const echo = app.task('tasks.echo', (value: string) => value);
    const worker = testWorker(app);
    await worker.start();
    const outage = simulateOutage(app.broker);
    const result = await echo.delay('sent during the outage');
    await waitFor(async () => (await app.broker.stats('celery')).ready === 1);
    expect(worker.stats.received).toBe(0);
    outage.restore();
    expect(await result.get({ timeout: 2_000 })).toBe('sent during the outage');
  });
});
