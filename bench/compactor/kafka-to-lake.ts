/**
 * The Kafka -> lake path on the local stack: N Avro candles in a 4-partition topic, then `compactor run
 * --until-caught-up` as a child process (the real CLI: native consumer, read_committed, Avro decode,
 * LakeWriter, offset commits). Baselines in the same run: the native consumer alone (read only), and
 * read + Avro decode (what the compactor does before writing), over the same records.
 *
 *   node --conditions=source --import tsx bench/compactor/kafka-to-lake.ts [--rows 300000]
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import kafka from '@confluentinc/kafka-javascript';
import type { Message } from '@confluentinc/kafka-javascript/types/rdkafka.js';
import { baseClientConfig, baseConsumerConfig, connectionFromEnv, ensureTopics, KafkaAdmin } from '@candlestream/kafka';
import { candleSerde, pipelineRegistry } from '@candlestream/pipeline';
import { LakeQuery, SYNTHETIC_SYMBOLS, SyntheticCandles } from '@candlestream/compactor';

const { Producer, KafkaConsumer } = kafka;
const { values: args } = parseArgs({ options: { rows: { type: 'string', default: '300000' } } });
const ROWS = Number(args.rows);
const conn = connectionFromEnv();
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const id = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
const topic = `bench-compactor-${id}.candles.1m`;
const dir = mkdtempSync(join(tmpdir(), 'compactor-kbench-'));
const lakeDir = join(dir, 'lake');
const fmt = (n: number, d = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

async function produce(): Promise<void> {
  const admin = await KafkaAdmin.connect(conn);
  await ensureTopics(admin, [{ name: topic, partitions: 4, config: { 'retention.ms': '-1' } }]);
  admin.close();
  const serde = await candleSerde(pipelineRegistry(conn.registryUrl), topic);
  const producer = new Producer({
    ...baseClientConfig(conn, 'bench-producer'),
    'enable.idempotence': true,
    acks: -1,
    'linger.ms': 20,
    'batch.num.messages': 10_000,
    'queue.buffering.max.messages': 500_000,
    'queue.buffering.max.kbytes': 1_048_576,
  });
  await new Promise<void>((res, rej) => producer.connect({}, (e) => (e ? rej(e) : res())));
  producer.setPollInterval(50);
  const gen = new SyntheticCandles(11);
  let n = 0;
  for (const c of gen.series(SYNTHETIC_SYMBOLS, Date.UTC(2024, 0, 1), Math.ceil(ROWS / SYNTHETIC_SYMBOLS.length))) {
    if (n++ >= ROWS) break;
    for (;;) {
      try {
        producer.produce(topic, null, serde.serialize(c), `${c.exchange}:${c.symbol}`);
        break;
      } catch {
        producer.poll();
        await new Promise((r) => setTimeout(r, 5));
      }
    }
  }
  await new Promise<void>((res, rej) => producer.flush(60_000, (e) => (e ? rej(e) : res())));
  await new Promise<void>((res) => producer.disconnect(() => res()));
}

/** Reads the whole topic with the native consumer; optionally decodes each value. */
async function readAll(decode: boolean): Promise<number> {
  const serde = decode ? await candleSerde(pipelineRegistry(conn.registryUrl), topic) : null;
  const consumer = new KafkaConsumer(
    { ...baseConsumerConfig(conn, 'bench-reader'), 'group.id': `bench-reader-${id}-${decode}`, 'enable.auto.commit': false, 'isolation.level': 'read_committed' },
    { 'auto.offset.reset': 'earliest' },
  );
  await new Promise<void>((res, rej) => consumer.connect({}, (e) => (e ? rej(e) : res())));
  consumer.assign([0, 1, 2, 3].map((partition) => ({ topic, partition, offset: 0 })));
  consumer.setDefaultConsumeTimeout(100);
  const t0 = performance.now();
  let n = 0;
  while (n < ROWS) {
    const batch = await new Promise<Message[]>((res, rej) => consumer.consume(20_000, (e, m) => (e ? rej(e) : res(m))));
    for (const m of batch) if (serde && m.value) serde.deserialize(m.value);
    n += batch.length;
  }
  const seconds = (performance.now() - t0) / 1000;
  await new Promise<void>((res) => consumer.disconnect(() => res()));
  return seconds;
}

async function compactorRun(): Promise<{ wall: number; pipeline: number }> {
  const t0 = performance.now();
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', join(ROOT, 'apps/compactor/src/main.ts'), 'run', '--topics', topic, '--group', `bench-${id}`,
      '--instance-id', `bench-${id}`, '--dlq-topic', `bench-compactor-${id}-dlq`, '--until-caught-up', '--metrics-port', '0', '--lag-interval-ms', '250'],
    { cwd: ROOT, env: { ...process.env, LAKE_DIR: lakeDir, LOG_LEVEL: 'info' }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((res) => child.on('exit', res));
  const wall = (performance.now() - t0) / 1000;
  if (code !== 0) throw new Error(`compactor exited ${code}:\n${stderr.slice(-3000)}`);
  const at = (msg: string): number => {
    const line = stderr.split('\n').find((l) => l.includes(`"msg":"${msg}"`));
    return Date.parse((JSON.parse(line!) as { t: string }).t);
  };
  return { wall, pipeline: (at('caught up with every assigned partition') - at('partitions assigned')) / 1000 };
}

try {
  await produce();
  const readOnly = await readAll(false);
  const readDecode = await readAll(true);
  const run = await compactorRun();
  const q = await LakeQuery.open(lakeDir);
  const [[count]] = (await q.run('SELECT count(*) FROM candles')).getRows() as [[bigint]];
  const files = q.snapshot.live.length;
  q.close();
  if (Number(count) !== ROWS) throw new Error(`lake holds ${count} rows, expected ${ROWS}`);
  const rows: [string, string, string][] = [
    ['measure', 'rows/s', 'seconds'],
    ['native consumer, read only (baseline)', fmt(ROWS / readOnly), fmt(readOnly, 2)],
    ['native consumer + Avro decode (baseline)', fmt(ROWS / readDecode), fmt(readDecode, 2)],
    [`compactor run: assigned -> caught up (${files} files)`, fmt(ROWS / run.pipeline), fmt(run.pipeline, 2)],
    ['compactor run: process start -> exit', fmt(ROWS / run.wall), fmt(run.wall, 2)],
  ];
  const w = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const [i, r] of rows.entries()) {
    console.log(`| ${r[0].padEnd(w[0]!)} | ${r[1].padStart(w[1]!)} | ${r[2].padStart(w[2]!)} |`);
    if (i === 0) console.log(`| ${'-'.repeat(w[0]!)} | ${'-'.repeat(w[1]! - 1)}: | ${'-'.repeat(w[2]! - 1)}: |`);
  }
  console.log(`\n${fmt(ROWS)} Avro 1m candles in one 4-partition topic (idempotent producer); the lake count was checked.`);
} finally {
  rmSync(dir, { recursive: true, force: true });
  const admin = await KafkaAdmin.connect(conn);
  await admin.deleteTopic(topic).catch(() => undefined);
  await admin.deleteTopic(`bench-compactor-${id}-dlq`).catch(() => undefined);
  admin.close();
}
