import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { ConfigurationError } from '@tq/core';
import type { Readiness } from './worker-health.js';

export interface MetricsServerOptions {
  registry: Registry;
  /** @default 9540 */
  port?: number;
  /** @default '0.0.0.0' (scraped from other pods) */
  host?: string;
  /** What /readyz reports; without it /readyz answers as /healthz does. */
  readiness?: () => Readiness | Promise<Readiness>;
}

export interface MetricsServer {
  /** e.g. http://127.0.0.1:9540 */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * `/metrics` (Prometheus text format), `/healthz` (liveness: the process answers) and `/readyz`
 * (readiness: 200 or 503 with the failing checks as JSON) on one port, as a Kubernetes pod exposes them.
 */
export async function serveMetrics(options: MetricsServerOptions): Promise<MetricsServer> {
  const { registry, readiness } = options;
  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') return send(response, 405, 'text/plain', 'GET only\n');
    switch (path) {
      case '/metrics':
        return send(response, 200, registry.contentType, await registry.metrics());
      case '/healthz':
        return send(response, 200, 'text/plain', 'ok\n');
      case '/readyz': {
        const state = readiness === undefined ? { ready: true, checks: {} } : await readiness();
        return send(response, state.ready ? 200 : 503, 'application/json', `${JSON.stringify(state)}\n`);
      }
      default:
        return send(response, 404, 'text/plain', 'not found: try /metrics, /healthz or /readyz\n');
    }
  };
  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => send(response, 500, 'text/plain', `${error instanceof Error ? error.message : String(error)}\n`));
  });
  const host = options.host ?? '0.0.0.0';
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: Error) => reject(new ConfigurationError(`cannot serve metrics on ${host}:${options.port ?? 9540}: ${error.message}; choose another port (--metrics-port)`, { cause: error })));
    server.listen(options.port ?? 9540, host, () => {
      server.removeAllListeners('error');
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function send(response: ServerResponse, status: number, contentType: string, body: string): void {
  if (response.headersSent) {
    response.end();
    return;
  }
  response.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
  response.end(body);
}
