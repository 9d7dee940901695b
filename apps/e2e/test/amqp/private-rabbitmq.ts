import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as connectTls } from 'node:tls';
import { freePort, waitForServer } from '../support/private-servers.js';
import { pingRabbitMq } from '../support/shared-servers.js';

/**
 * A RabbitMQ node of the test's own: its own node name, AMQP and distribution ports, data and log
 * directories. Fault tests stop and start this one (`rabbitmqctl -n <node> stop_app / start_app`),
 * never the shared server on 5672. It boots in a second or two.
 */
export interface PrivateRabbitMq {
  readonly url: string;
  /** `amqps://…` on a TLS listener with a fresh self-signed CA, when started with `{ tls: true }`. */
  readonly tlsUrl: string | undefined;
  /** That CA's certificate (PEM), for `socketOptions.ca`. */
  readonly caPem: string | undefined;
  readonly node: string;
  /** `rabbitmqctl -n <node> <args>`; throws with its output when it fails. */
  ctl(...args: string[]): string;
  stopApp(): Promise<void>;
  startApp(): Promise<void>;
  /** Stop the node for good and delete its directory. */
  destroy(): Promise<void>;
}

const SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server';

/** Whether this machine can start a private node: the server is installed and we are root or rabbitmq. */
export function canStartPrivateRabbitMq(): boolean {
  const user = spawnSync('id', ['-un'], { encoding: 'utf8' }).stdout.trim();
  return spawnSync('test', ['-x', SERVER]).status === 0 && (user === 'root' || user === 'rabbitmq');
}

/** Run as the rabbitmq user (it owns the Erlang cookie the CLI needs), through su when we are root. */
function asRabbitmq(command: string): ReturnType<typeof spawnSync> {
  const user = spawnSync('id', ['-un'], { encoding: 'utf8' }).stdout.trim();
  const argv = user === 'root' ? ['su', 'rabbitmq', '-s', '/bin/sh', '-c', command] : ['/bin/sh', '-c', command];
  return spawnSync(argv[0] as string, argv.slice(1), { encoding: 'utf8', timeout: 60_000 });
}

function waitForAmqp(url: string, timeoutMs: number): Promise<void> {
  return waitForServer(() => pingRabbitMq(url), timeoutMs, 100);
}

/** A TLS handshake with the node's TLS listener: it opens after the plain one, so that one answering proves nothing. */
function tlsHandshake(port: number, caPem: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connectTls({ host: 'localhost', port, ca: [caPem], servername: 'localhost' }, () => {
      socket.end();
      resolve();
    });
    socket.setTimeout(2_000, () => socket.destroy(new Error(`TLS handshake with port ${port} timed out`)));
    socket.once('error', reject);
  });
}

/** A CA and a server certificate for localhost signed by it, written into `dir`. */
function makeCertificates(dir: string): void {
  const openssl = (...args: string[]): void => {
    const run = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`openssl ${args[0]} failed: ${run.stderr}`);
  };
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=tq-test-ca');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost');
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '1', '-extfile', 'san.ext');
}

export interface PrivateRabbitMqOptions {
  tls?: boolean;
  /** Extra rabbitmq.conf lines, e.g. `consumer_timeout = 5000`. */
  config?: readonly string[];
  /** Extra `rabbit` application settings for advanced.config (Erlang terms), e.g. `{channel_tick_interval, 1000}`. */
  rabbitSettings?: readonly string[];
}

export async function startPrivateRabbitMq(options: PrivateRabbitMqOptions = {}): Promise<PrivateRabbitMq> {
  const [amqpPort, distPort, tlsPort] = [await freePort(), await freePort(), await freePort()];
  const node = `tq-fault-${randomBytes(4).toString('hex')}@localhost`;
  const dir = mkdtempSync(join(tmpdir(), 'tq-private-rabbitmq-'));
  const config = [`listeners.tcp.local = 127.0.0.1:${amqpPort}`];
  if (options.tls === true) {
    makeCertificates(dir);
    config.push(
      `listeners.ssl.local = 127.0.0.1:${tlsPort}`,
      `ssl_options.cacertfile = ${join(dir, 'ca.pem')}`,
      `ssl_options.certfile = ${join(dir, 'server.pem')}`,
      `ssl_options.keyfile = ${join(dir, 'server.key')}`,
      'ssl_options.verify = verify_none',
      'ssl_options.fail_if_no_peer_cert = false',
    );
  }
  config.push(...(options.config ?? []));
  writeFileSync(join(dir, 'rabbitmq.conf'), `${config.join('\n')}\n`);
  writeFileSync(join(dir, 'advanced.config'), `[{rabbit, [${(options.rabbitSettings ?? []).join(', ')}]}].\n`);
  spawnSync('chown', ['-R', 'rabbitmq:rabbitmq', dir]);
  const url = `amqp://guest:guest@127.0.0.1:${amqpPort}/`;
  const env = [
    `RABBITMQ_NODENAME=${node}`,
    `RABBITMQ_NODE_PORT=${amqpPort}`,
    `RABBITMQ_DIST_PORT=${distPort}`,
    `RABBITMQ_CONFIG_FILE=${join(dir, 'rabbitmq.conf')}`,
    `RABBITMQ_ADVANCED_CONFIG_FILE=${join(dir, 'advanced.config')}`,
    `RABBITMQ_MNESIA_BASE=${join(dir, 'mnesia')}`,
    `RABBITMQ_LOG_BASE=${join(dir, 'log')}`,
    `RABBITMQ_ENABLED_PLUGINS_FILE=${join(dir, 'enabled_plugins')}`,
    `RABBITMQ_PID_FILE=${join(dir, 'pid')}`,
    'HOME=/var/lib/rabbitmq',
  ].join(' ');
  const started = asRabbitmq(`${env} ${SERVER} -detached`);
  if (started.status !== 0) throw new Error(`rabbitmq-server did not start: ${String(started.stderr)}`);
  const ctl = (...args: string[]): string => {
    const result = asRabbitmq(`/usr/lib/rabbitmq/bin/rabbitmqctl -n ${node} ${args.join(' ')}`);
    if (result.status !== 0) throw new Error(`rabbitmqctl ${args.join(' ')} failed: ${String(result.stdout)}${String(result.stderr)}`);
    return String(result.stdout);
  };
  const destroy = async (): Promise<void> => {
    try {
      ctl('stop');
    } catch {
      // Already down; the directory goes anyway.
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const caPem = options.tls === true ? readFileSync(join(dir, 'ca.pem'), 'utf8') : undefined;
  const waitForListeners = async (): Promise<void> => {
    await waitForAmqp(url, 60_000);
    if (caPem !== undefined) await waitForServer(() => tlsHandshake(tlsPort, caPem), 30_000, 100);
  };
  try {
    await waitForListeners();
  } catch (error) {
    await destroy();
    throw error;
  }
  const tlsUrl = caPem !== undefined ? `amqps://guest:guest@localhost:${tlsPort}/` : undefined;
  return {
    url,
    tlsUrl,
    caPem,
    node,
    ctl,
    stopApp: async () => void ctl('stop_app'),
    startApp: async () => {
      ctl('start_app');
      await waitForListeners();
    },
    destroy,
  };
}
