import type { Logger } from 'pino';
import {
  decodeControlRequest,
  encodeControlReply,
  hasExpired,
  isAddressedTo,
  nodeBinding,
  type FanoutMessage,
  type FanoutSubscription,
  type FanoutTransport,
  type LamportClock,
} from '@tq/core';
import { CONTROL_HANDLERS, type ControlHandler } from './control-handlers.js';
import type { ControlTarget } from './control-target.js';

export interface ControlNodeOptions {
  readonly fanout: FanoutTransport;
  readonly target: ControlTarget;
  readonly clock: LamportClock;
  readonly logger: Logger;
  readonly handlers?: Readonly<Record<string, ControlHandler>>;
}

/**
 * A worker's pidbox node (kombu's Node): reads `<hostname>.celery.pidbox`, runs the requests
 * addressed to it, and replies when asked. Nothing a request carries can stop the worker: a
 * malformed one is logged and dropped, a failing command answers Celery's `{ error }` reply.
 */
export class ControlNode {
  private subscription: FanoutSubscription | undefined;
  private readonly handlers: Readonly<Record<string, ControlHandler>>;

  constructor(private readonly options: ControlNodeOptions) {
    this.handlers = options.handlers ?? CONTROL_HANDLERS;
  }

  async start(): Promise<void> {
    const { fanout, target, logger } = this.options;
    this.subscription = await fanout.subscribe(nodeBinding(target.hostname), (message) => void this.handle(message), {
      onError: (error) => logger.warn({ err: error }, 'remote control: unreadable message dropped'),
    });
  }

  async stop(): Promise<void> {
    const subscription = this.subscription;
    this.subscription = undefined;
    await subscription?.close();
  }

  private async handle(message: FanoutMessage): Promise<void> {
    const { target, logger, clock, fanout } = this.options;
    clock.adjust(message.headers.clock);
    let request;
    try {
      request = decodeControlRequest(message);
    } catch (error) {
      logger.warn({ err: error }, 'remote control: malformed request dropped');
      return;
    }
    if (!isAddressedTo(request, target.hostname) || hasExpired(message, Date.now())) return;
    logger.debug({ method: request.method, arguments: request.arguments }, 'remote control request');
    const reply = await this.run(request.method, request.arguments);
    if (request.reply_to === undefined) return;
    try {
      await fanout.publish(
        { exchange: request.reply_to.exchange, type: 'direct', routingKey: request.reply_to.routing_key },
        { body: encodeControlReply(target.hostname, reply ?? null), headers: { ticket: request.ticket, clock: clock.forward() } },
      );
    } catch (error) {
      // The caller may have stopped waiting; a lost reply must not take the worker down.
      logger.warn({ err: error, method: request.method }, 'remote control: reply not sent');
    }
  }

  private async run(method: string, args: Readonly<Record<string, unknown>>): Promise<unknown> {
    const handler = Object.hasOwn(this.handlers, method) ? this.handlers[method] : undefined;
    if (handler === undefined) {
      this.options.logger.warn({ method }, 'remote control: unknown command');
      return { error: `No such control command: ${method}` };
    }
    try {
      return await handler(this.options.target, args);
    } catch (error) {
      this.options.logger.warn({ err: error, method }, 'remote control command failed');
      return { error: error instanceof Error ? error.message : String(error) };
    }
  }
}
