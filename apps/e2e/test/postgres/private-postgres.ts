import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForServer } from '../support/private-servers.js';
import { pingPostgres } from '../support/shared-servers.js';

/**
 * A PostgreSQL cluster of the test's own (initdb in a temp dir, a free loopback port, trust auth),
 * so a fault test can stop and restart it: never the shared server on 5432 that other suites use.
 * As root, the server binaries run as the `postgres` user, as they refuse to run as root.
 */
export interface PrivatePostgres {
  readonly url: string;
  readonly port: number;
  /** With `tls: true`: the PEM of the CA that signed the server's certificate (for 127.0.0.1 and localhost). */
  readonly caPem: string | undefined;
  /** With `tls: true`: the CA's file, for `sslrootcert=` in a URL. */
  readonly caFile: string | undefined;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** `pg_ctl restart -m fast`: what `pg_ctlcluster … restart` does to a Debian cluster. */
  restart(): Promise<void>;
  /** Stop for good and delete its data directory. */
  destroy(): Promise<void>;
}

/** The directory of initdb/pg_ctl, or undefined when no PostgreSQL server is installed here. */
export function postgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  return versions.map((version) => join(root, version, 'bin')).find((dir) => existsSync(join(dir, 'pg_ctl')));
}

function runAsPostgres(binDir: string, command: string, args: string[]): void {
  const isRoot = process.getuid?.() === 0;
  const [file, argv] = isRoot ? ['runuser', ['-u', 'postgres', '--', join(binDir, command), ...args]] : [join(binDir, command), args];
  const result = spawnSync(file, argv, { encoding: 'utf8', timeout: 30_000 });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}): ${result.stderr || result.stdout}`);
}

function waitUntilAccepting(url: string, timeoutMs: number): Promise<void> {
  return waitForServer(() => pingPostgres(url, 1_000), timeoutMs, 50);
}

/** A throwaway CA and a server certificate it signed for 127.0.0.1 / localhost, in `dir`. */
function makeCertificates(dir: string): { caFile: string; certFile: string; keyFile: string } {
  const file = (name: string): string => join(dir, name);
  const openssl = (...args: string[]): void => {
    const result = spawnSync('openssl', args, { encoding: 'utf8', timeout: 30_000 });
    if (result.status !== 0) throw new Error(`openssl ${args[0]} failed: ${result.stderr}`);
  };
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=tq-test-ca', '-keyout', file('ca.key'), '-out', file('ca.crt'));
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', file('server.key'), '-out', file('server.csr'));
  writeFileSync(file('san.ext'), 'subjectAltName = IP:127.0.0.1, DNS:localhost\n');
  openssl('x509', '-req', '-in', file('server.csr'), '-CA', file('ca.crt'), '-CAkey', file('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', file('san.ext'), '-out', file('server.crt'));
  return { caFile: file('ca.crt'), certFile: file('server.crt'), keyFile: file('server.key') };
}

export async function startPrivatePostgres(options: { tls?: boolean } = {}): Promise<PrivatePostgres> {
  const binDir = postgresBinDir();
  if (binDir === undefined) throw new Error('No PostgreSQL server binaries under /usr/lib/postgresql/*/bin.');
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'tq-private-postgres-'));
  const data = join(dir, 'data');
  const postgresUid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  // fsync off: the data dir is thrown away; a fast shutdown still checkpoints, so nothing committed is lost on restart.
  let serverOptions = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50`;
  const certificates = options.tls === true ? makeCertificates(dir) : undefined;
  if (certificates !== undefined) {
    serverOptions += ` -c ssl=on -c ssl_cert_file=${certificates.certFile} -c ssl_key_file=${certificates.keyFile}`;
    // The server refuses a key that others can read, and must own it.
    chmodSync(certificates.keyFile, 0o600);
    if (process.getuid?.() === 0) chownSync(certificates.keyFile, postgresUid, 0);
  }
  if (process.getuid?.() === 0) chownSync(dir, postgresUid, 0);
  const pgCtl = (...args: string[]): void => runAsPostgres(binDir, 'pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '30', ...args]);
  runAsPostgres(binDir, 'initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync']);
  const start = async (): Promise<void> => {
    pgCtl('-o', serverOptions, 'start');
    await waitUntilAccepting(url, 30_000);
  };
  const stop = async (): Promise<void> => {
    pgCtl('-m', 'fast', 'stop');
  };
  await start();
  return {
    url,
    port,
    caPem: certificates === undefined ? undefined : readFileSync(certificates.caFile, 'utf8'),
    caFile: certificates?.caFile,
    start,
    stop,
    async restart() {
      pgCtl('-m', 'fast', '-o', serverOptions, 'restart');
      await waitUntilAccepting(url, 30_000);
    },
    async destroy() {
      await stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
