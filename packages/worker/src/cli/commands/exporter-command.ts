import { Command } from 'commander';
import { openControlBroker, type ControlConnectionFlags } from '../control/open-control-broker.js';
import { loadMetrics } from '../load-metrics.js';
import { integer, list, positive } from '../parse.js';

interface ExporterFlags extends ControlConnectionFlags {
  queues: string[];
  port: number;
  host: string;
  timeout: number;
  celeryNames?: boolean;
}

/** `tq exporter`: queue depth for Prometheus alerts and a Kubernetes HPA, without a worker. */
export function exporterCommand(): Command {
  return new Command('exporter')
    .description('serve queue depth (tq_queue_length, delayed, in flight, dead letters) for Prometheus on /metrics, with /healthz and /readyz')
    .requiredOption('-Q, --queues <names>', 'comma-separated queues to report', list)
    .option('-A, --app <module>', 'module that exports the app (only for its broker URL)')
    .option('-b, --broker <url>', 'broker URL (default: TQ_BROKER_URL)')
    .option('-p, --port <port>', 'port to serve on', integer, 9540)
    .option('--host <address>', 'address to listen on', '0.0.0.0')
    .option('--timeout <ms>', 'a queue whose stats take longer is reported down for that scrape', positive, 5_000)
    .option('--celery-names', "also export celery-exporter's celery_queue_length{queue_name}, so its alerts and HPA rules work unchanged")
    .action(async (flags: ExporterFlags) => {
      const { queueMetrics, serveMetrics } = await loadMetrics('tq exporter');
      const { broker, close } = await openControlBroker(flags);
      await broker.connect();
      const metrics = queueMetrics(broker, flags.queues, { timeoutMs: flags.timeout, celeryNames: flags.celeryNames === true });
      const server = await serveMetrics({ registry: metrics.registry, port: flags.port, host: flags.host, readiness: () => metrics.readiness() });
      process.stderr.write(`tq exporter: ${flags.queues.join(', ')} on ${broker.displayUrl}; serving ${server.url}/metrics\n`);
      const stop = (): void => void server.close().then(() => close()).then(() => process.exit(0));
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
}
