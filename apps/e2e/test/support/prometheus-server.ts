import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForServer } from './private-servers.js';

/** A Prometheus of the test's own (Debian's prometheus package), scraping the given targets every second. */
export interface PrometheusServer {
  readonly url: string;
  /** The value of an instant PromQL query with a single result, or undefined when it has none; a query Prometheus refuses throws. */
  query(promql: string, options?: { allowMany?: boolean }): Promise<number | undefined>;
  /** Every target's scrape health, as Prometheus reports it. */
  targets(): Promise<Array<{ job: string; health: string; lastError: string }>>;
  stop(): Promise<void>;
}

export function prometheusInstalled(): boolean {
  return spawnSync('prometheus', ['--version']).status === 0;
}

export async function startPrometheus(jobs: Record<string, string[]>): Promise<PrometheusServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'tq-prometheus-'));
  const scrapeConfigs = Object.entries(jobs)
    .map(([job, targets]) => `  - job_name: ${job}\n    static_configs:\n      - targets: [${targets.map((target) => `'${target}'`).join(', ')}]`)
    .join('\n');
  writeFileSync(join(dir, 'prometheus.yml'), `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n${scrapeConfigs}\n`);
  const child: ChildProcess = spawn('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForServer(
      async () => {
        const response = await fetch(`${url}/-/ready`);
        if (!response.ok) throw new Error(`prometheus not ready: ${response.status}`);
      },
      30_000,
      100,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url,
    async query(promql, options = {}) {
      const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
      const body = (await response.json()) as { status: string; error?: string; data: { result: Array<{ value: [number, string] }> } };
      if (body.status !== 'success') throw new Error(`PromQL ${promql}: ${body.error}`);
      if (body.data.result.length > 1 && options.allowMany !== true) throw new Error(`PromQL ${promql}: ${body.data.result.length} series, expected one`);
      const [first] = body.data.result;
      return first === undefined ? undefined : Number(first.value[1]);
    },
    async targets() {
      const response = await fetch(`${url}/api/v1/targets`);
      const body = (await response.json()) as { data: { activeTargets: Array<{ labels: { job: string }; health: string; lastError: string }> } };
      return body.data.activeTargets.map((target) => ({ job: target.labels.job, health: target.health, lastError: target.lastError }));
    },
    stop,
  };
}
