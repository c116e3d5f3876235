/**
 * Replay-to-broker throughput of the producer, with Avro encoding, against the local stack.
 *
 *   node --conditions=source --import tsx bench/producer/replay.ts [--trades 1000000] [--runs 3]
 *
 * Every scenario runs in a process of its own (so peak RSS is that scenario's), `--runs` times, on
 * fresh topics that are deleted afterwards. The input is the real Binance sample (3427 trades of
 * BTCUSDT-trades-2017-08-17.csv, or the 24,544 recorded WebSocket frames) looped with shifted trade
 * ids and times up to `--trades`. Rates run from the first record read to the last one acknowledged
 * (the final flush), after topic creation and schema registration. The CPU column is the process's
 * CPU time over the same span (JS thread + librdkafka threads) per trade: on a machine shared with
 * the broker and other people's jobs it moves much less than the wall-clock rate does.
 *
 * Scenarios:
 * - baseline: the same producer settings sending pre-encoded Avro records (encoded once, cycled):
 *   what the client and broker take without any per-trade work, measured in the same run.
 * - the `producer replay` CLI itself on the CSV (decoded once, passes shifted), on the CSV re-parsed
 *   every pass, on the WebSocket recording (exchange parser path), and with a delivery report per
 *   record (what live mode uses).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import kafka from '@confluentinc/kafka-javascript';
import { connectionFromEnv, KafkaAdmin } from '@candlestream/kafka';
import { parseBinanceTradesCsv, tradeKey } from '@candlestream/market';
import { createLogger, createRegistry } from '@candlestream/metrics';
import { pipelineRegistry, tradeSerde } from '@candlestream/pipeline';
import { KafkaSink } from '../../apps/producer/src/kafka/kafka-sink.js';
import { preflight } from '../../apps/producer/src/kafka/preflight.js';
import { ProducerMetrics } from '../../apps/producer/src/metrics.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DATA = new URL('../../../shared/data/', import.meta.url);
const CSV = fileURLToPath(new URL('binance/trades/BTCUSDT-trades-2017-08-17.csv', DATA));
const WS = fileURLToPath(new URL('ws/binance/hftbacktest-spot-trade-btcusdt-ethusdt.jsonl', DATA));
const CSV_TRADES = 3427;
const WS_TRADES = 24_544;

interface Result {
  trades: number;
  tradesPerSecond: number;
  rssMb: number;
  /** CPU time of the process while it replayed (all threads, start-up excluded), in seconds. */
  cpuSeconds: number;
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

/** The baseline, in a child process: pre-encoded records through the same sink as the replay. */
async function baselineChild(topic: string, total: number): Promise<void> {
  const conn = connectionFromEnv();
  const log = createLogger('bench', { level: 'warn' });
  const sinkSettings = { lingerMs: 10, batchNumMessages: 10_000, compression: 'lz4' as const, queueMaxMessages: 1_000_000, deliveryTimeoutMs: 300_000 };
  await preflight({ conn, topic, dlqTopic: `${topic}-dlq`, partitions: 4, sink: sinkSettings, deliveryReports: 'errors', flushTimeoutMs: 60_000, gapGraceMs: 0, metricsPort: null }, log);
  const serde = await tradeSerde(pipelineRegistry(conn.registryUrl), topic);
  const trades = parseBinanceTradesCsv(readFileSync(CSV, 'utf8'), { symbol: 'BTCUSDT', receivedTime: Date.now() });
  const metrics = new ProducerMetrics(createRegistry('bench', { defaultMetrics: false }));
  const sink = await KafkaSink.connect({ ...sinkSettings, conn, clientId: 'bench-baseline', deliveryReports: 'errors' }, metrics, log);
  const values = trades.map((t) => serde.serialize(t));
  const key = sink.key(tradeKey(trades[0] as (typeof trades)[number]), metrics.symbol('BINANCE', 'BTCUSDT').produced);
  const times = trades.map((t) => t.tradeTime);
  const started = performance.now();
  const cpuAtStart = process.cpuUsage();
  for (let i = 0; i < total; ) {
    const end = Math.min(total, i + 4000);
    for (; i < end; i++) {
      const j = i % values.length;
      sink.send({ topic, key, value: values[j] as Buffer, timestamp: times[j] as number });
    }
    if (sink.parked > 0) await sink.whenWritable();
    await new Promise((r) => setImmediate(r));
  }
  await sink.flush(120_000);
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuAtStart);
  await sink.close();
  const result: Result = { trades: total, tradesPerSecond: total / seconds, rssMb: process.resourceUsage().maxRSS / 1024, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

interface Scenario {
  name: string;
  what: string;
  /** The command for one run, on `topic`. */
  args(topic: string, total: number): string[];
}

const loops = (total: number, per: number): number => Math.ceil(total / per);

const SCENARIOS: Scenario[] = [
  {
    name: 'baseline',
    what: 'pre-encoded Avro records, no per-trade work (same producer settings)',
    args: (topic, total) => ['bench/producer/replay.ts', '--child', 'baseline', '--topic', topic, '--trades', String(total)],
  },
  {
    name: 'replay csv',
    what: 'producer replay CSV --loop: shift ids/times + dedup + Avro + produce',
    args: (topic, total) => ['apps/producer/src/main.ts', 'replay', '--loop', String(loops(total, CSV_TRADES)), ...common(topic), CSV],
  },
  {
    name: 'replay csv, re-parsed',
    what: 'same, parsing the CSV again every pass (--loop-cache 0)',
    args: (topic, total) => ['apps/producer/src/main.ts', 'replay', '--loop', String(loops(total, CSV_TRADES)), '--loop-cache', '0', ...common(topic), CSV],
  },
  {
    name: 'replay ws frames',
    what: 'producer replay of recorded Binance frames: exchange parser path, as live',
    args: (topic, total) => ['apps/producer/src/main.ts', 'replay', '--loop', String(loops(total, WS_TRADES)), ...common(topic), WS],
  },
  {
    name: 'replay csv, all reports',
    what: 'replay csv with a delivery report per record (live mode\'s setting)',
    args: (topic, total) => ['apps/producer/src/main.ts', 'replay', '--loop', String(loops(total, CSV_TRADES)), '--delivery-reports', 'all', ...common(topic), CSV],
  },
];

function common(topic: string): string[] {
  return ['--topic', topic, '--dlq-topic', `${topic}-dlq`, '--metrics-port', 'off', '--no-progress'];
}

/** `replayed N trades ... (R trades/s, peak RSS M MB)` from the CLI's summary. */
function parseSummary(stdout: string): Result | undefined {
  const m = /replayed (\d+) trades .*\((\d+) trades\/s, peak RSS (\d+) MB, CPU ([\d.]+) s\)/.exec(stdout);
  if (m) return { trades: Number(m[1]), tradesPerSecond: Number(m[2]), rssMb: Number(m[3]), cpuSeconds: Number(m[4]) };
  const r = /RESULT (.*)/.exec(stdout);
  return r ? (JSON.parse(r[1] as string) as Result) : undefined;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};

async function main(): Promise<void> {
  if (arg('child', '') === 'baseline') return baselineChild(arg('topic', ''), Number(arg('trades', '1000000')));
  const total = Number(arg('trades', '1000000'));
  const runs = Number(arg('runs', '3'));
  const only = arg('only', '');
  const conn = connectionFromEnv();
  console.log(`producer replay bench: ${total.toLocaleString('en-US')} trades per run, ${runs} runs per scenario`);
  console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}, node ${process.version}, librdkafka ${kafka.librdkafkaVersion}`);
  console.log(`broker ${conn.brokers}, registry ${conn.registryUrl}; the broker runs on the same 2 cores (and so may other people's tests)\n`);
  const admin = await KafkaAdmin.connect(conn);
  const rows: { s: Scenario; rates: number[]; rss: number; trades: number; cpuUs: number[] }[] = [];
  try {
    for (const s of SCENARIOS.filter((x) => only === '' || only.split(',').includes(x.name))) {
      const rates: number[] = [];
      const cpuUs: number[] = [];
      let rss = 0;
      let trades = 0;
      for (let i = 0; i < runs; i++) {
        const topic = `bench-producer-${Date.now().toString(36)}-${i}`;
        const res = await run(s.args(topic, total));
        const r = parseSummary(res.stdout);
        for (const t of [topic, `${topic}-dlq`]) await admin.deleteTopic(t).catch(() => undefined);
        if (res.code !== 0 || !r) throw new Error(`${s.name} failed (exit ${res.code}):\n${res.stderr.slice(-2000)}`);
        rates.push(r.tradesPerSecond);
        cpuUs.push((r.cpuSeconds * 1e6) / r.trades);
        rss = Math.max(rss, r.rssMb);
        trades = r.trades;
        process.stdout.write(
          `  ${s.name.padEnd(24)} run ${i + 1}: ${Math.round(r.tradesPerSecond).toLocaleString('en-US')} trades/s, peak RSS ${Math.round(r.rssMb)} MB, ` +
            `CPU ${r.cpuSeconds.toFixed(1)} s, load ${loadavg()[0]?.toFixed(1)}\n`,
        );
      }
      rows.push({ s, rates, rss, trades, cpuUs });
    }
  } finally {
    admin.close();
  }
  const base = rows.find((r) => r.s.name === 'baseline');
  console.log('\n| scenario | trades | trades/s (median) | min .. max | vs baseline | CPU µs/trade (all threads) | peak RSS |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    const m = median(r.rates);
    const ratio = base ? `${((m / median(base.rates)) * 100).toFixed(0)}%` : '-';
    const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
    console.log(
      `| ${r.s.name} | ${r.trades.toLocaleString('en-US')} | ${fmt(m)} | ${fmt(Math.min(...r.rates))} .. ${fmt(Math.max(...r.rates))} | ${ratio} | ` +
        `${median(r.cpuUs).toFixed(1)} | ${Math.round(r.rss)} MB |`,
    );
  }
  console.log('\n' + rows.map((r) => `${r.s.name}: ${r.s.what}`).join('\n'));
  console.log('reference: the seed system moved 200-500 trades/s.');
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
