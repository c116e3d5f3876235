import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A real Prometheus server (Debian's `prometheus` binary) on loopback, scraping the given targets. */
export class TestPrometheus {
  private constructor(
    private readonly proc: ChildProcess,
    private readonly dir: string,
    readonly url: string,
  ) {}

  static async start(targets: string[], port = 19090): Promise<TestPrometheus> {
    const dir = mkdtempSync(join(tmpdir(), 'candlestream-prom-'));
    const config = [
      'global:',
      '  scrape_interval: 1s',
      '  evaluation_interval: 1s',
      'scrape_configs:',
      '  - job_name: candlestream',
      '    static_configs:',
      `      - targets: [${targets.map((t) => JSON.stringify(t)).join(', ')}]`,
    ].join('\n');
    writeFileSync(join(dir, 'prometheus.yml'), config);
    const proc = spawn(
      'prometheus',
      [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let log = '';
    proc.stderr?.on('data', (d: Buffer) => (log += d.toString()));
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`prometheus exited: ${log.slice(-2000)}`);
      if (Date.now() > deadline) throw new Error(`prometheus not ready in 30 s: ${log.slice(-2000)}`);
      const ok = await fetch(`${url}/-/ready`).then((r) => r.ok, () => false);
      if (ok) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    return new TestPrometheus(proc, dir, url);
  }

  /** Instant query; returns the result vector (or matrix/scalar as given). */
  async query(expr: string): Promise<{ resultType: string; result: unknown[] }> {
    const res = await fetch(`${this.url}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = (await res.json()) as { status: string; error?: string; data: { resultType: string; result: unknown[] } };
    if (body.status !== 'success') throw new Error(`query ${expr} failed: ${body.error}`);
    return body.data;
  }

  /** Waits until every target has been scraped successfully at least `scrapes` times. */
  async waitForScrapes(scrapes = 3, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const up = await this.query('count_over_time(up[5m])');
      const down = await this.query('up == 0');
      const counts = (up.result as { value: [number, string] }[]).map((r) => Number(r.value[1]));
      if (down.result.length === 0 && counts.length > 0 && counts.every((c) => c >= scrapes)) return;
      if (Date.now() > deadline) throw new Error(`targets not scraped ${scrapes} times: ${JSON.stringify(down.result)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode === null) {
      const exited = new Promise((r) => this.proc.once('exit', r));
      this.proc.kill('SIGTERM');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
