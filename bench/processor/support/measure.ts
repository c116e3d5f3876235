import { readFileSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { groupLag, KafkaAdmin, type ConnectionConfig } from '@candlestream/kafka';

/** Peak resident set (VmHWM) of a running process, in MB; 0 when it cannot be read. */
export function peakRssMb(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

export function startNode(args: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, args, { env: { ...process.env, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr?.on('data', (d: Buffer) => {
    const text = d.toString();
    if (/error/i.test(text)) process.stderr.write(text);
  });
  return child;
}

/** Waits until `group` has committed every record of `topic` (lag 0); returns seconds from `since`. */
export async function waitDrained(conn: ConnectionConfig, group: string, topic: string, since: number, timeoutMs = 600_000): Promise<number> {
  const admin = await KafkaAdmin.connect(conn);
  try {
    for (;;) {
      const lag = (await groupLag(admin, group)).filter((l) => l.topic === topic);
      if (lag.length > 0 && lag.every((l) => l.lag === 0)) return (Date.now() - since) / 1000;
      if (Date.now() - since > timeoutMs) throw new Error(`${group} did not drain ${topic} in ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    admin.close();
  }
}

export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
