import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** One of our apps as a child process, run from its TypeScript sources (no build needed). */
export class AppProcess {
  readonly output: string[] = [];
  private constructor(readonly proc: ChildProcess) {
    const keep = (d: Buffer) => {
      this.output.push(d.toString());
      if (this.output.length > 2000) this.output.splice(0, 1000);
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
  }

  /**
   * `built`: run apps/<app>/dist/main.js (npm test builds first) instead of the sources through tsx;
   * tests that restart an app many times use it, since compiling on every start costs seconds.
   */
  static start(app: 'producer' | 'processor' | 'compactor', args: string[], env: Record<string, string>, opts: { built?: boolean } = {}): AppProcess {
    const entry = opts.built ? [`apps/${app}/dist/main.js`] : ['--conditions=source', '--import', 'tsx', `apps/${app}/src/main.ts`];
    const proc = spawn(process.execPath, [...entry, ...args], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new AppProcess(proc);
  }

  get exited(): boolean {
    return this.proc.exitCode !== null || this.proc.signalCode !== null;
  }

  /** Waits for the process to end; resolves with its exit code (or the signal's name). */
  wait(timeoutMs = 60_000): Promise<number | string> {
    if (this.exited) return Promise.resolve(this.proc.exitCode ?? this.proc.signalCode ?? -1);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`process did not exit in ${timeoutMs} ms:\n${this.tail()}`)), timeoutMs);
      this.proc.once('exit', (code, sig) => {
        clearTimeout(timer);
        resolve(code ?? sig ?? -1);
      });
    });
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 30_000): Promise<number | string> {
    if (!this.exited) this.proc.kill(signal);
    return this.wait(timeoutMs);
  }

  tail(lines = 40): string {
    return this.output.join('').split('\n').slice(-lines).join('\n');
  }
}

/** Polls `check` until it returns a value (not undefined) or the time runs out. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs: number, what: string, intervalMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * A TCP port nothing listens on right now, below Linux's ephemeral range (32768-60999): a port in
 * that range can be taken by any outgoing connection, even one to itself (a client retrying a
 * stopped broker on 127.0.0.1 can connect to its own source port), so a server may find it taken.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (await canListen(port)) return port;
  }
  throw new Error('no free port found between 20000 and 32000');
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}
