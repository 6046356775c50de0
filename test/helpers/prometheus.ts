import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, spawnTracked, type Spawned } from './processes';
import { waitFor } from './wait-for';

/** A sample of an instant query: its labels and value. */
export interface PromSample {
  metric: Record<string, string>;
  value: number;
}

/** A real Prometheus (Debian's package; `npm test` installs it) on 127.0.0.1, scraping `targets` every second. */
export interface TestPrometheus {
  url: string;
  /** An instant query through the HTTP API; throws on a query error. */
  query(promql: string): Promise<PromSample[]>;
  /** Waits until every target is scraped and up. */
  targetsUp(): Promise<void>;
  stop(): Promise<void>;
}

export function prometheusBinary(): string {
  return process.env.PROMETHEUS_PATH ?? '/usr/bin/prometheus';
}

export async function startPrometheus(targets: string[]): Promise<TestPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'maestro-prom-'));
  const config = join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    ['global:', '  scrape_interval: 1s', '  scrape_timeout: 1s', 'scrape_configs:', '  - job_name: maestro', '    static_configs:', `      - targets: ${JSON.stringify(targets)}`].join('\n'),
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc: Spawned = spawnTracked(prometheusBinary(), [
    `--config.file=${config}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=warn',
  ]);
  const stop = async () => {
    await proc.stop(5_000);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await Promise.race([
      waitFor('prometheus to be ready', () => fetch(`${url}/-/ready`).then((r) => r.ok, () => false), 30_000, 100),
      proc.exited.then(({ code }) => {
        throw new Error(`prometheus exited (${code}):\n${proc.stderr()}`);
      }),
    ]);
  } catch (err) {
    await stop();
    throw err;
  }
  const api = async <T>(path: string): Promise<T> => {
    const body = (await (await fetch(`${url}${path}`)).json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`prometheus ${path}: ${body.error}`);
    return body.data;
  };
  return {
    url,
    async query(promql) {
      const data = await api<{ result: Array<{ metric: Record<string, string>; value: [number, string] }> }>(`/api/v1/query?query=${encodeURIComponent(promql)}`);
      return data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
    },
    async targetsUp() {
      await waitFor('every target scraped and up', async () => {
        const data = await api<{ activeTargets: Array<{ health: string }> }>('/api/v1/targets');
        return data.activeTargets.length === targets.length && data.activeTargets.every((t) => t.health === 'up');
      }, 30_000, 200);
    },
    stop,
  };
}
