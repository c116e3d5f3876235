/**
 * Benchmarks of @candlestream/streams on the local stack, printed as a table:
 *   node --conditions=source --import tsx bench/streams/streams-bench.ts [--records N] [--only throughput,latency,restore]
 *
 * throughput  1M records (4 partitions): windowed aggregation with EOS on and off, and the native
 *             EOS consume -> produce pass-through with the same client settings, in the same run
 * latency     input at a fixed rate (5k and 50k records/s) -> update output visible to a
 *             read_committed consumer, per input record (p50 / p99 / max)
 * restore     1M-key store: full restore rate, then resume time after SIGKILL (static membership,
 *             changelog tail only)
 * Every measured app runs in its own child process; peak RSS is that process's max RSS.
 */
import { KafkaAdmin } from '@candlestream/kafka';
import kafka from '@confluentinc/kafka-javascript';
import type { Message } from '@confluentinc/kafka-javascript/types/rdkafka.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { conn, createTopics, deleteTopicsContaining, produce, tempDir, uid, type InputRecord } from '../../test/streams/helpers.js';
import type { WorkerSpec } from './worker.js';

const { KafkaConsumer, Producer } = kafka;
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const RECORDS = Number(arg('records') ?? 1_000_000);
const ROUNDS = Number(arg('rounds') ?? 3);
const ONLY = new Set((arg('only') ?? 'throughput,latency,restore').split(','));
const id = uid();
const rows: [string, string, string][] = [];
const dirs: string[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

interface WorkerEvent {
  event: string;
  t: number;
  uptimeMs: number;
  [k: string]: unknown;
}

const workers = new Set<Worker>();

class Worker {
  readonly events: WorkerEvent[] = [];
  readonly spawnedAt = Date.now();
  private readonly child: ChildProcess;
  private readonly waiters: { event: string; resolve: (e: WorkerEvent) => void }[] = [];
  readonly exited: Promise<void>;

  constructor(spec: WorkerSpec) {
    // BENCH_NODE_FLAGS: extra node flags for the measured process (e.g. --cpu-prof when profiling).
    const flags = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
    this.child = spawn(process.execPath, [...flags, '--conditions=source', '--import', 'tsx', WORKER, JSON.stringify(spec)], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let buf = '';
    this.child.stdout!.on('data', (c: Buffer) => {
      buf += c.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const ev = JSON.parse(buf.slice(0, i)) as WorkerEvent;
        buf = buf.slice(i + 1);
        this.events.push(ev);
        for (const w of this.waiters.filter((x) => x.event === ev.event)) w.resolve(ev);
      }
    });
    this.exited = new Promise((resolve) => this.child.on('close', () => resolve()));
    workers.add(this);
    void this.exited.then(() => workers.delete(this));
  }

  waitFor(event: string, timeoutMs = 600_000): Promise<WorkerEvent> {
    const seen = this.events.find((e) => e.event === event);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`worker: no ${event} within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({ event, resolve: (e) => (clearTimeout(timer), resolve(e)) });
    });
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    this.child.kill(signal);
    await this.exited;
  }
}

const dir = (name: string): string => {
  const d = tempDir(`streams-bench-${name}`);
  dirs.push(d);
  return d;
};

function throughputInput(n: number): InputRecord[] {
  const out: InputRecord[] = new Array(n);
  const base = 1_700_000_000_000;
  for (let i = 0; i < n; i++) out[i] = { key: `w${i % 1000}`, value: String(i % 100), timestamp: base + i };
  return out;
}

async function throughput(admin: KafkaAdmin): Promise<void> {
  const input = `bench-tp-in-${id}`;
  const outs = { pass: `bench-tp-pass-${id}`, eos: `bench-tp-eos-${id}`, alo: `bench-tp-alo-${id}` };
  await createTopics(admin, [input, ...Object.values(outs)], 4);
  log(`producing ${RECORDS} records`);
  await produce(input, throughputInput(RECORDS));
  const run = async (label: string, spec: WorkerSpec) => {
    const w = new Worker(spec);
    const done = await w.waitFor('done');
    await w.kill();
    const rate = Math.round((done.records as number) / (done.seconds as number));
    log(`${label}: ${rate} records/s, ${done.maxRssMb} MB peak RSS`);
    return { rate, rss: done.maxRssMb as number };
  };
  // Other work shares this 2-core machine: alternate the runs and keep each mode's median.
  const modes: { label: string; spec: (r: number) => Omit<WorkerSpec, 'input'> }[] = [
    { label: 'pass-through, consume(20000)', spec: (r) => ({ mode: 'passthrough', batch: 20_000, output: outs.pass, applicationId: `bench-pass20-${r}-${id}`, stateDir: dir('pass') }) },
    { label: 'pass-through, consume(5000)', spec: (r) => ({ mode: 'passthrough', batch: 5_000, output: outs.pass, applicationId: `bench-pass5-${r}-${id}`, stateDir: dir('pass') }) },
    { label: 'windowed EOS', spec: (r) => ({ mode: 'windowed', output: outs.eos, applicationId: `bench-eos-${r}-${id}`, stateDir: dir('eos') }) },
    { label: 'windowed ALO', spec: (r) => ({ mode: 'windowed', output: outs.alo, applicationId: `bench-alo-${r}-${id}`, stateDir: dir('alo'), guarantee: 'at_least_once' }) },
  ];
  const results = new Map<string, { rate: number; rss: number }[]>();
  for (let round = 0; round < ROUNDS; round++) {
    for (const m of modes) {
      const r = await run(`round ${round + 1} ${m.label}`, { ...m.spec(round), input, expect: RECORDS });
      results.set(m.label, [...(results.get(m.label) ?? []), r]);
    }
  }
  const median = (label: string) => {
    const rs = [...results.get(label)!].sort((a, b) => a.rate - b.rate);
    return { rate: rs[Math.floor(rs.length / 2)]!.rate, rss: Math.max(...rs.map((x) => x.rss)), all: rs.map((x) => x.rate) };
  };
  const p20 = median(modes[0]!.label);
  const p5 = median(modes[1]!.label);
  const pass = p20.rate >= p5.rate ? p20 : p5;
  const eos = median('windowed EOS');
  const alo = median('windowed ALO');
  const n = RECORDS.toLocaleString('en');
  const fmt = (x: number) => x.toLocaleString('en');
  const runs = (m: { all: number[] }) => `runs ${m.all.map(fmt).join(' / ')}`;
  rows.push([`pass-through consume->produce, EOS, consume(20000), ${n} records`, `${fmt(p20.rate)} rec/s`, `median of ${ROUNDS}; ${runs(p20)}; peak RSS ${p20.rss} MB`]);
  rows.push([`pass-through consume->produce, EOS, consume(5000), ${n} records`, `${fmt(p5.rate)} rec/s`, `median of ${ROUNDS}; ${runs(p5)}; peak RSS ${p5.rss} MB`]);
  rows.push([`windowed aggregation, EOS, ${n} records`, `${fmt(eos.rate)} rec/s`, `${((eos.rate / pass.rate) * 100).toFixed(0)}% of the faster pass-through; ${runs(eos)}; peak RSS ${eos.rss} MB`]);
  rows.push([`windowed aggregation, at-least-once, ${n} records`, `${fmt(alo.rate)} rec/s`, `${((alo.rate / pass.rate) * 100).toFixed(0)}% of the faster pass-through; ${runs(alo)}; peak RSS ${alo.rss} MB`]);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function latency(admin: KafkaAdmin): Promise<void> {
  for (const rate of (arg('rates') ?? '5000,50000').split(',').map(Number)) {
    // the windowed update path, then the native pass-through under the same load as the floor
    for (const app of ['latency-app', 'passthrough'] as const) {
      const input = `bench-lat-in-${app}-${rate}-${id}`;
      const output = `bench-lat-out-${app}-${rate}-${id}`;
      await createTopics(admin, [input, output], 4);
      const w = new Worker({ mode: app, batch: 5_000, input, output, applicationId: `bench-lat-${app}-${rate}-${id}`, stateDir: dir('lat') });
      await w.waitFor('running');
      // per key: inputs in order (seq, sent at); an output "key: last seq" makes every input of that key up to seq visible
      const pending = new Map<string, { seq: number; sentAt: number }[]>();
      const latencies: number[] = [];
      const consumer = new KafkaConsumer({
        'bootstrap.servers': conn.brokers,
        'group.id': `bench-lat-reader-${rate}-${id}`,
        'isolation.level': 'read_committed',
        'enable.auto.commit': false,
        'auto.offset.reset': 'earliest',
        'fetch.wait.max.ms': 5,
        'socket.nagle.disable': true,
      });
      await new Promise<void>((res, rej) => consumer.connect({}, (e) => (e ? rej(e) : res())));
      consumer.setDefaultConsumeTimeout(5);
      (consumer as unknown as { setDefaultIsTimeoutOnlyForFirstMessage(v: boolean): void }).setDefaultIsTimeoutOnlyForFirstMessage(true);
      consumer.subscribe([output]);
      let reading = true;
      const reader = (async () => {
        while (reading) {
          const msgs = await new Promise<Message[]>((res, rej) => consumer.consume(10_000, (e, m) => (e ? rej(e) : res(m))));
          const now = Date.now();
          for (const m of msgs) {
            const key = m.key!.toString();
            const seq = Number(m.value!.toString());
            const q = pending.get(key);
            while (q && q.length > 0 && q[0]!.seq <= seq) latencies.push(now - q.shift()!.sentAt);
          }
        }
      })();
      const producer = new Producer({
        'bootstrap.servers': conn.brokers,
        'linger.ms': 1,
        partitioner: 'murmur2_random',
        'enable.idempotence': true,
        'socket.nagle.disable': true,
        'queue.buffering.max.messages': 2_000_000,
      });
      await new Promise<void>((res, rej) => producer.connect({}, (e) => (e ? rej(e) : res())));
      producer.setPollInterval(50);
      await sleep(1000); // let the reader join
      const seconds = 12;
      const warmup = 2;
      const started = Date.now();
      let seq = 0;
      log(`latency at ${rate} records/s for ${seconds} s`);
      while (Date.now() - started < seconds * 1000) {
        const due = Math.floor(((Date.now() - started) / 1000) * rate);
        while (seq < due) {
          const now = Date.now();
          const key = `s${seq % 200}`;
          try {
            producer.produce(input, null, Buffer.from(String(seq)), key, now);
          } catch (err) {
            if ((err as { code?: number }).code !== -184) throw err;
            break; // local queue full: the rate is not being met; retry on the next tick
          }
          if (now - started >= warmup * 1000) {
            let q = pending.get(key);
            if (!q) pending.set(key, (q = []));
            q.push({ seq, sentAt: now });
          }
          seq++;
        }
        await sleep(1);
      }
      await sleep(3000);
      reading = false;
      await reader;
      const missing = [...pending.values()].reduce((n, q) => n + q.length, 0);
      latencies.sort((a, b) => a - b);
      rows.push([
        app === 'passthrough'
          ? `  same rate, native EOS pass-through (floor of this client and machine)`
          : `end-to-end latency at ${rate.toLocaleString('en')} records/s (produce -> update visible, read_committed)`,
        `p50 ${percentile(latencies, 50)} ms, p99 ${percentile(latencies, 99)} ms`,
        `max ${latencies.at(-1)} ms; ${latencies.length.toLocaleString('en')} records measured${missing ? `, ${missing} never seen` : ''}`,
      ]);
      log(`latency ${app} ${rate}/s: p50 ${percentile(latencies, 50)} p99 ${percentile(latencies, 99)} max ${latencies.at(-1)}`);
      await new Promise<void>((res) => producer.disconnect(() => res()));
      await new Promise<void>((res) => consumer.disconnect(() => res()));
      await w.kill(app === 'passthrough' ? 'SIGKILL' : 'SIGTERM');
    }
  }
}

async function restore(admin: KafkaAdmin): Promise<void> {
  const keys = 1_000_000;
  const input = `bench-restore-in-${id}`;
  await createTopics(admin, [input], 1);
  const records: InputRecord[] = new Array(keys);
  for (let i = 0; i < keys; i++) records[i] = { key: `k${String(i).padStart(7, '0')}`, value: '1', timestamp: 1_700_000_000_000 + i };
  log('producing 1M distinct keys');
  await produce(input, records);
  const appId = `bench-restore-${id}`;
  const stateDir = dir('restore');
  // One static member id for every run below: a restarted member takes the partition back at once
  // (a new id would wait for the previous member's 45 s session to expire).
  const base: WorkerSpec = { mode: 'key-count', input, applicationId: appId, stateDir, groupInstanceId: `bench-restore-member-${id}` };

  const build = new Worker({ ...base, expect: keys });
  const built = await build.waitFor('done');
  await build.kill('SIGTERM');
  rows.push(['build a 1M-key store (count per key, EOS)', `${Math.round(keys / (built.seconds as number)).toLocaleString('en')} rec/s`, `peak RSS ${built.maxRssMb} MB`]);

  // full restore: same application, empty state directory
  const fresh = new Worker({ ...base, stateDir: dir('restore-fresh') });
  const running = await fresh.waitFor('running');
  await fresh.kill('SIGTERM');
  const summary = (running.restores as { records: number; seconds: number }[]).at(-1)!;
  rows.push([
    'full restore of a 1M-record changelog (read_committed, SQLite upserts)',
    `${Math.round(summary.records / summary.seconds).toLocaleString('en')} rec/s`,
    `${summary.records.toLocaleString('en')} records in ${summary.seconds.toFixed(2)} s`,
  ]);

  // resume after SIGKILL: input keeps flowing; kill, restart with the same state dir (static membership)
  const trickle = { on: true };
  const feeding = (async () => {
    let i = 0;
    while (trickle.on) {
      await produce(input, Array.from({ length: 500 }, () => ({ key: `k${String(i++ % keys).padStart(7, '0')}`, value: '1', timestamp: Date.now() })));
      await sleep(50);
    }
  })();
  const victim = new Worker(base);
  await victim.waitFor('running');
  await sleep(1500);
  await victim.kill('SIGKILL');
  const restartedAt = Date.now();
  const again = new Worker(base);
  const first = await again.waitFor('first-record');
  log(`resume events: ${again.events.map((e) => `${e.event}@${e.uptimeMs}ms`).join(' ')}`);
  const resumed = await again.waitFor('running');
  const tail = (resumed.restores as { records: number; stores: { full: boolean }[] }[]).at(-1)!;
  trickle.on = false;
  await feeding;
  await again.kill('SIGTERM');
  rows.push([
    'resume after SIGKILL, 1M-key store: restart -> first record processed',
    `${first.t - restartedAt} ms`,
    `node + tsx module loading ${again.events.find((e) => e.event === 'starting')!.uptimeMs} ms, KafkaStreams.start() -> first record ${first.uptimeMs - again.events.find((e) => e.event === 'starting')!.uptimeMs} ms; replayed ${tail.records} changelog records (${tail.stores.some((s) => s.full) ? 'full' : 'tail only'})`,
  ]);
}

const admin = await KafkaAdmin.connect(conn);
try {
  if (ONLY.has('throughput')) await throughput(admin);
  if (ONLY.has('latency')) await latency(admin);
  if (ONLY.has('restore')) await restore(admin);
} finally {
  for (const w of workers) await w.kill(); // no measured process outlives the bench, even on failure
  await deleteTopicsContaining(admin, id);
  admin.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}

const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length), ['measure', 'result', 'notes'][i]!.length));
const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
console.log(`\n@candlestream/streams benchmark (${new Date().toISOString()}, ${process.version}, commit interval 100 ms)`);
console.log(line(['measure', 'result', 'notes']));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const r of rows) console.log(line(r));
