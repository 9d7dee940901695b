import { randomUUID } from 'node:crypto';
import { Command } from 'commander';
import { decodeEvents, eventReceiverBinding, requireFanout } from '@tq/core';
import { EventState } from '../control/event-state.js';
import { openControlBroker, type ControlConnectionFlags } from '../control/open-control-broker.js';
import { positive, seconds } from '../parse.js';

interface EventsFlags extends ControlConnectionFlags {
  dump?: boolean;
  limit?: number;
  duration?: number;
}

/** `celery events`: a live view of workers and tasks, or `--dump` for one JSON event per line. */
export function eventsCommand(): Command {
  return new Command('events')
    .description('watch the events of tq and Celery workers: a live view, or --dump for one JSON event per line')
    .option('-A, --app <module>', 'module that exports the app (only for its broker URL)')
    .option('-b, --broker <url>', 'broker URL (default: TQ_BROKER_URL)')
    .option('--dump', 'print each event as one JSON line instead of the live view')
    .option('--limit <count>', 'stop after this many events', positive)
    .option('--duration <seconds>', 'stop after this long', seconds)
    .action(async (flags: EventsFlags) => {
      const { broker, close } = await openControlBroker(flags);
      const state = new EventState();
      let seen = 0;
      let finish: () => void = () => undefined;
      const finished = new Promise<void>((resolve) => (finish = resolve));
      const subscription = await requireFanout(broker).subscribe(
        eventReceiverBinding(randomUUID()),
        (message) => {
          for (const event of decodeEvents(message)) {
            seen += 1;
            if (flags.dump === true) process.stdout.write(`${JSON.stringify(event)}\n`);
            else state.apply(event);
            if (flags.limit !== undefined && seen >= flags.limit) finish();
          }
        },
        { onError: (error) => process.stderr.write(`tq: warning: ${error.message}\n`) },
      );
      const live = process.stdout.isTTY === true;
      const redraw = flags.dump === true ? undefined : setInterval(() => process.stdout.write(`${live ? '\x1b[2J\x1b[H' : ''}${state.render(Date.now() / 1000)}${live ? '' : '\n'}`), 1_000);
      const timer = flags.duration === undefined ? undefined : setTimeout(finish, flags.duration * 1000);
      process.once('SIGINT', finish);
      process.once('SIGTERM', finish);
      await finished;
      clearInterval(redraw);
      clearTimeout(timer);
      if (flags.dump !== true) process.stdout.write(state.render(Date.now() / 1000));
      await subscription.close();
      await close();
    });
}
