/**
 * Trade -> candle visible to a read_committed consumer, EOS, commit every 100 ms, at 5k and 50k
 * trades/s, against the pass-through floor measured in the same run. Latency is per trade: each
 * revision on candles.1m.updates carries the window's cumulative trade count, so it tells exactly
 * which trades just became visible; their send times give one latency each.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import kafka from '@confluentinc/kafka-javascript';
import type { Message } from '@confluentinc/kafka-javascript/types/rdkafka.js';
import { baseConsumerConfig } from '@candlestream/kafka';
import { Decimal, type Trade } from '@candlestream/market';
import { candleSerde, initPipeline, pipelineRegistry, tradeSerde } from '@candlestream/pipeline';
import { conn, createTopic, endOffsets, TestProducer, uniqueName } from '../../test/support/kafka.js';
import { peakRssMb, percentile, startNode, stop } from './support/measure.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const SYMBOLS = 10;
const work = mkdtempSync(join(tmpdir(), 'bench-latency-'));
const registry = pipelineRegistry(conn.registryUrl);
// The tail reads candles.1m.updates from its current end: on a new cluster it must exist first.
await initPipeline(conn, 4);
const { KafkaConsumer } = kafka;

async function tail(topic: string, onMessage: (m: Message, now: number) => void): Promise<() => Promise<void>> {
  const from = await endOffsets(topic);
  const consumer = new KafkaConsumer({ ...baseConsumerConfig(conn, 'bench-latency'), 'group.id': uniqueName('lat'), 'isolation.level': 'read_committed', 'enable.auto.commit': false, 'fetch.wait.max.ms': 5 }, {});
  await new Promise<void>((resolve, reject) => consumer.connect({}, (err) => (err ? reject(err) : resolve())));
  consumer.assign(Object.entries(from).map(([p, offset]) => ({ topic, partition: Number(p), offset })));
  consumer.setDefaultConsumeTimeout(5);
  let running = true;
  const loop = (async () => {
    while (running) {
      const msgs = await new Promise<Message[]>((resolve) => consumer.consume(10_000, (err, m) => resolve(err ? [] : m)));
      const now = Date.now();
      for (const m of msgs) onMessage(m, now);
      if (msgs.length === 0) await new Promise((r) => setImmediate(r));
    }
  })();
  return async () => {
    running = false;
    await loop;
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  };
}

/** Sends `rate` trades/s for SECONDS over SYMBOLS keys, trade time = send time; calls `sent` per trade. */
async function drive(input: string, rate: number, prefix: string, sent: (key: string, t: Trade, at: number) => void): Promise<void> {
  const serde = await tradeSerde(registry, input);
  const producer = await TestProducer.connect();
  const start = Date.now();
  let n = 0;
  while (Date.now() - start < SECONDS * 1000) {
    const due = Math.floor(((Date.now() - start) / 1000) * rate);
    for (; n < due; n++) {
      const symbol = `${prefix}${n % SYMBOLS}USDT`;
      const now = Date.now();
      const t: Trade = { exchange: 'BINANCE', symbol, pair: `${prefix}${n % SYMBOLS}-USDT`, tradeId: n, price: Decimal.parse('100.5'), quantity: Decimal.parse('0.01'), tradeTime: now, buyerIsMaker: n % 2 === 0, receivedTime: now };
      producer.send(input, [{ key: `BINANCE:${symbol}`, value: serde.serialize(t) }], now);
      sent(`BINANCE:${symbol}`, t, now);
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  await producer.flush();
  await producer.close();
}

async function run(kind: 'processor' | 'pass-through', rate: number): Promise<{ p50: number; p99: number; p999: number; max: number; n: number; sent: number; rssMb: number }> {
  const input = uniqueName('bench-lat-in');
  await createTopic(input, 4);
  const prefix = `L${Math.random().toString(36).slice(2, 6).toUpperCase()}`;
  const latencies: number[] = [];
  const sendTimes = new Map<string, number[]>(); // key|windowStart -> send times in order
  const seen = new Map<string, number>();
  let stopTail: () => Promise<void>;
  let child;
  const app = uniqueName(`lat-${kind}`);
  if (kind === 'processor') {
    const updates = await candleSerde(registry, 'candles.1m.updates');
    stopTail = await tail('candles.1m.updates', (m, now) => {
      if (!m.key?.toString().startsWith(`BINANCE:${prefix}`)) return;
      const c = updates.deserialize(m.value!);
      const id = `${m.key.toString()}|${c.openTime}`;
      const times = sendTimes.get(id) ?? [];
      for (let i = seen.get(id) ?? 0; i < c.tradeCount && i < times.length; i++) latencies.push(now - times[i]!);
      seen.set(id, Math.max(seen.get(id) ?? 0, c.tradeCount));
    });
    child = startNode([join(ROOT, 'apps/processor/dist/main.js')], { INPUT_TOPIC: input, APPLICATION_ID: app, STATE_DIR: join(work, app), METRICS_PORT: '0', GRACE_MS: '1000' });
  } else {
    const output = uniqueName('bench-lat-out');
    await createTopic(output, 4);
    stopTail = await tail(output, (m, now) => latencies.push(now - m.timestamp!));
    child = startNode(['--conditions=source', '--import', 'tsx', join(ROOT, 'bench/processor/support/passthrough.ts')], { INPUT_TOPIC: input, OUTPUT_TOPIC: output, APPLICATION_ID: app, STATE_DIR: join(work, app) });
  }
  await new Promise((r) => setTimeout(r, 8000)); // join the group, create internal topics, restore
  let sent = 0;
  await drive(input, rate, prefix, (key, t, at) => {
    sent++;
    const id = `${key}|${t.tradeTime - (t.tradeTime % 60_000)}`;
    let times = sendTimes.get(id);
    if (!times) sendTimes.set(id, (times = []));
    times.push(at);
  });
  await new Promise((r) => setTimeout(r, 2000));
  if (child.exitCode !== null) throw new Error(`${kind} exited during the run with code ${child.exitCode}`);
  const rssMb = peakRssMb(child.pid!);
  await stopTail();
  await stop(child);
  latencies.sort((a, b) => a - b);
  if (latencies.length === 0) throw new Error(`${kind} at ${rate} trades/s: no trade became visible`);
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), p999: percentile(latencies, 99.9), max: latencies[latencies.length - 1] ?? NaN, n: latencies.length, sent, rssMb };
}

console.log(`trade -> visible to a read_committed consumer; EOS; commit interval 100 ms; ${SECONDS} s per run; ${SYMBOLS} symbols on 4 partitions\n`);
console.log('| run | rate trades/s | trades sent | latencies measured | p50 ms | p99 ms | p99.9 ms | max ms | peak RSS MB |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const rate of [5_000, 50_000]) {
  for (const kind of ['pass-through', 'processor'] as const) {
    const r = await run(kind, rate);
    console.log(`| ${kind} | ${rate} | ${r.sent} | ${r.n} | ${r.p50} | ${r.p99} | ${r.p999} | ${r.max} | ${r.rssMb.toFixed(0)} |`);
  }
}
rmSync(work, { recursive: true, force: true });
process.exit(0);
