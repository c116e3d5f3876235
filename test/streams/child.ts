import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { AppSpec } from './fixtures/streams-app.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const APP = fileURLToPath(new URL('./fixtures/streams-app.ts', import.meta.url));

export interface AppEvent {
  event: string;
  t: number;
  pid: number;
  [k: string]: unknown;
}

/** A streams app in a child process (so it can be SIGKILLed), with its stdout events. */
export class AppProcess {
  readonly events: AppEvent[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly spawnedAt = Date.now();
  private readonly waiters: { pred: (e: AppEvent) => boolean; resolve: (e: AppEvent) => void }[] = [];
  private stderrTail: string[] = [];
  private readonly child: ChildProcess;

  constructor(readonly spec: AppSpec) {
    this.child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', APP], {
      cwd: ROOT,
      env: { ...process.env, STREAMS_APP: JSON.stringify(spec) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let buf = '';
    this.child.stdout!.on('data', (chunk: Buffer) => {
      buf += chunk.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        try {
          const ev = JSON.parse(line) as AppEvent;
          this.events.push(ev);
          for (const w of this.waiters.filter((x) => x.pred(ev))) w.resolve(ev);
        } catch {
          // not an event line
        }
      }
    });
    this.child.stderr!.on('data', (chunk: Buffer) => {
      this.stderrTail.push(chunk.toString());
      if (this.stderrTail.length > 50) this.stderrTail.shift();
      if (process.env.STREAMS_TEST_VERBOSE) process.stderr.write(chunk);
    });
    // 'close', not 'exit': stdout is fully read by then, so events written just before a SIGKILL are seen.
    this.exited = new Promise((resolve) => this.child.on('close', (code, signal) => resolve({ code, signal })));
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get stderr(): string {
    return this.stderrTail.join('');
  }

  waitFor(event: string, timeoutMs = 60_000): Promise<AppEvent> {
    return this.waitUntil((e) => e.event === event, timeoutMs, event);
  }

  /** The first event (past or future) matching `pred`. */
  waitUntil(pred: (e: AppEvent) => boolean, timeoutMs = 60_000, what = 'matching'): Promise<AppEvent> {
    const seen = this.events.find(pred);
    if (seen) return Promise.resolve(seen);
    const event = what;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${event} event within ${timeoutMs} ms; stderr tail:\n${this.stderr.slice(-2000)}`)), timeoutMs);
      this.exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`app exited (${code ?? signal}) before ${event}; stderr tail:\n${this.stderr.slice(-2000)}`));
      });
      this.waiters.push({
        pred,
        resolve: (e) => {
          clearTimeout(timer);
          resolve(e);
        },
      });
    });
  }

  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }

  /** Clean stop (commit, close); resolves with the exit code. */
  async stop(timeoutMs = 60_000): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.child.exitCode;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const { code } = await this.exited;
    clearTimeout(timer);
    return code;
  }
}
