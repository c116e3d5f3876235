import { randomBytes } from 'node:crypto';
import kafka from '@confluentinc/kafka-javascript';
import type { Message, TopicPartitionOffset } from '@confluentinc/kafka-javascript/types/rdkafka.js';
import { baseConsumerConfig, ConfigError, KafkaAdmin, SerdeError, type ConnectionConfig } from '@candlestream/kafka';
import type { Candle } from '@candlestream/market';
import { createLogger, type Level } from '@candlestream/metrics';
import { candleTopic, pipelineRegistry } from '@candlestream/pipeline';
import { CandleDecoder } from '../../kafka/candle-decoder.js';
import { helpText, printableConfig, resolveOptions } from '../options.js';
import { TAIL_OPTIONS } from '../specs.js';
import type { CommandIo } from './io.js';

const { KafkaConsumer } = kafka;
const OFFSET_BEGINNING = -2;
const OFFSET_END = -1;

export const TAIL_HELP = helpText(
  'compactor tail --symbol <SYMBOL> [options]',
  'Print candles of one symbol from a candle topic as they arrive (read_committed; nothing is committed).',
  TAIL_OPTIONS,
  `Examples:
  compactor tail --symbol BTCUSDT
  compactor tail --symbol ETHUSDT --interval 5m --from 2024-06-01T00:00:00Z --max 12 --format json`,
);

const COLUMNS = ['open_time (UTC)', 'exchange', 'symbol', 'interval', 'open', 'high', 'low', 'close', 'volume', 'trades'] as const;
const WIDTHS = [24, 9, 10, 8, 18, 18, 18, 18, 20, 7];

function tableLine(cells: readonly string[]): string {
  return cells.map((c, i) => (i >= 4 ? c.padStart(WIDTHS[i]!) : c.padEnd(WIDTHS[i]!))).join(' ').trimEnd();
}

export function candleLine(c: Candle): string {
  return tableLine([
    new Date(c.openTime).toISOString(),
    c.exchange,
    c.symbol,
    c.interval,
    c.open.toString(),
    c.high.toString(),
    c.low.toString(),
    c.close.toString(),
    c.volume.toString(),
    String(c.tradeCount),
  ]);
}

export function candleJson(c: Candle): string {
  return JSON.stringify({ ...c, openTime: new Date(c.openTime).toISOString(), closeTime: new Date(c.closeTime).toISOString() });
}

export async function tailCommand(argv: string[], env: NodeJS.ProcessEnv, io: CommandIo): Promise<number> {
  const r = resolveOptions(TAIL_OPTIONS, argv, env);
  if (r.help) {
    io.out(TAIL_HELP + '\n');
    return 0;
  }
  const symbol = (r.values.symbol as string | undefined)?.toUpperCase();
  if (!symbol) throw new ConfigError('--symbol is required (compactor tail --help)');
  const exchange = (r.values.exchange as string | undefined)?.toUpperCase();
  const topic = (r.values.topic as string | undefined) ?? candleTopic(r.values.interval as string);
  const from = r.values.from as string;
  const fromTime = from === 'end' || from === 'beginning' ? undefined : Date.parse(from);
  if (fromTime !== undefined && Number.isNaN(fromTime)) throw new ConfigError(`--from must be end, beginning or an ISO-8601 time, got ${JSON.stringify(from)}`);
  const max = r.values.max as number | undefined;
  const json = r.values.format === 'json';
  const conn: ConnectionConfig = { brokers: r.values.brokers as string, registryUrl: (r.values.registry as string).replace(/\/+$/, '') };
  const log = createLogger('compactor', { level: r.values['log-level'] as Level });
  log.info('config', { command: 'tail', config: printableConfig(TAIL_OPTIONS, r) });

  const admin = await KafkaAdmin.connect(conn, { clientId: 'compactor-tail-admin' });
  let partitions: number[];
  try {
    const [desc] = await admin.describeTopics([topic]);
    partitions = (desc?.partitions ?? []).map((p) => p.partition);
  } catch (err) {
    throw new ConfigError(`cannot describe topic ${topic}: ${(err as Error).message}`);
  } finally {
    admin.close();
  }
  if (partitions.length === 0) throw new ConfigError(`topic ${topic} has no partitions (does it exist?)`);
  const decoder = await CandleDecoder.create(pipelineRegistry(conn.registryUrl), [topic]);

  const consumer = new KafkaConsumer(
    {
      ...baseConsumerConfig(conn, 'compactor-tail'),
      'group.id': `compactor-tail-${randomBytes(4).toString('hex')}`,
      'enable.auto.commit': false,
      'isolation.level': 'read_committed',
      'fetch.wait.max.ms': 100,
    },
    { 'auto.offset.reset': 'earliest' },
  );
  await new Promise<void>((resolve, reject) => consumer.connect({ timeout: 10_000 }, (err) => (err ? reject(err) : resolve())));
  let stopped = false;
  const stop = (): void => {
    stopped = true;
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    let start: TopicPartitionOffset[] = partitions.map((partition) => ({
      topic,
      partition,
      offset: from === 'beginning' ? OFFSET_BEGINNING : OFFSET_END,
    }));
    if (fromTime !== undefined) {
      start = await new Promise<TopicPartitionOffset[]>((resolve, reject) =>
        consumer.offsetsForTimes(
          partitions.map((partition) => ({ topic, partition, offset: fromTime })),
          10_000,
          (err, offsets) => (err ? reject(err) : resolve(offsets.map((o) => ({ ...o, offset: o.offset < 0 ? OFFSET_END : o.offset })))),
        ),
      );
    }
    consumer.assign(start);
    consumer.setDefaultConsumeTimeout(200);
    if (!json) io.out(tableLine([...COLUMNS]) + '\n');
    let printed = 0;
    while (!stopped && (max === undefined || printed < max)) {
      const batch = await new Promise<Message[]>((resolve, reject) => consumer.consume(1000, (err, m) => (err ? reject(err) : resolve(m))));
      for (const m of batch) {
        if (!m.value) continue;
        let c: Candle;
        try {
          c = await decoder.decode(m.topic, m.value);
        } catch (err) {
          if (!(err instanceof SerdeError)) throw err;
          log.limited('warn', 'undecodable', 'skipping a record that is not a candle', { partition: m.partition, offset: m.offset, reason: err.reason });
          continue;
        }
        if (c.symbol.toUpperCase() !== symbol || (exchange && c.exchange.toUpperCase() !== exchange)) continue;
        // Record timestamps may be produce times rather than candle times: the seek is a shortcut,
        // this filter is the definition.
        if (fromTime !== undefined && c.openTime < fromTime) continue;
        io.out((json ? candleJson(c) : candleLine(c)) + '\n');
        if (max !== undefined && ++printed >= max) break;
      }
    }
    return 0;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  }
}
