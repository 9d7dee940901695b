import { pino, type Logger } from 'pino';
import type { WorkerOptions } from './worker-options.js';

/** JSON logs to stdout (pipe through pino-pretty for people); the level comes from the options. */
export function createLogger(options: Pick<WorkerOptions, 'logger' | 'logLevel'>): Logger {
  return options.logger ?? pino({ name: 'tq', level: options.logLevel ?? 'info' });
}
