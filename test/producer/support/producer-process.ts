import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

export interface LogLine {
  level: string;
  msg: string;
  [field: string]: unknown;
}

/**
 * The producer CLI as a child process, run the way a user runs it from sources, with helpers to
 * read its JSON log lines (stderr), scrape its /metrics and stop it with a signal.
 */
export class ProducerProcess {
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(readonly child: ChildProcess) {
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (this.stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    this.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  }

  static start(args: string[], env: Record<string, string> = {}): ProducerProcess {
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'apps/producer/src/main.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new ProducerProcess(child);
  }

  /** Runs to completion. */
  static async run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string; logs: LogLine[] }> {
    const p = ProducerProcess.start(args, env);
    const { code } = await p.exited;
    return { code, stdout: p.stdout, stderr: p.stderr, logs: p.logs() };
  }

  logs(): LogLine[] {
    return this.stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as LogLine);
  }

  async waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await probe();
      if (v !== undefined) return v;
      if (this.child.exitCode !== null) throw new Error(`producer exited (${this.child.exitCode}) while waiting for ${what}\n${this.stderr.slice(-3000)}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${this.stderr.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  waitForLog(msg: string | RegExp, timeoutMs?: number): Promise<LogLine> {
    return this.waitFor(`log ${String(msg)}`, () => this.logs().find((l) => (typeof msg === 'string' ? l.msg === msg : msg.test(l.msg))), timeoutMs);
  }

  async metricsPort(): Promise<number> {
    return (await this.waitForLog('metrics server listening')).port as number;
  }

  async scrape(): Promise<Metrics> {
    const res = await fetch(`http://127.0.0.1:${await this.metricsPort()}/metrics`);
    return new Metrics(await res.text());
  }

  async health(): Promise<{ status: number; body: { ok: boolean; detail?: Record<string, unknown> } }> {
    const res = await fetch(`http://127.0.0.1:${await this.metricsPort()}/healthz`);
    return { status: res.status, body: (await res.json()) as { ok: boolean; detail?: Record<string, unknown> } };
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.child.exitCode === null) this.child.kill(signal);
    return this.exited;
  }
}

/** Prometheus text format, just enough to read counters and gauges. */
export class Metrics {
  constructor(readonly text: string) {}

  /** Sum of the series of `name` whose labels include `labels`. */
  get(name: string, labels: Record<string, string> = {}): number {
    let sum = 0;
    for (const line of this.text.split('\n')) {
      if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
      const m = /^([^{\s]+)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
      if (!m || m[1] !== name) continue;
      const have = new Map([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
      if (Object.entries(labels).every(([k, v]) => have.get(k) === v)) sum += Number(m[3]);
    }
    return sum;
  }
}
