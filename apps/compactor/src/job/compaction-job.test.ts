import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SerdeError } from '@candlestream/kafka';
import type { Candle } from '@candlestream/market';
import { createLogger, createRegistry } from '@candlestream/metrics';
import type { Message, TopicPartition, TopicPartitionOffset } from '../kafka/candle-consumer.js';
import type { DeadLetterSink } from '../kafka/dead-letter.js';
import { datasetRoot } from '../parquet/catalog.js';
import { LakeQuery } from '../parquet/lake-query.js';
import { LakeWriter } from '../parquet/lake-writer.js';
import { batchFileName, partitionDir, utcDate } from '../parquet/layout.js';
import { SimulatedCrash, throwingHook, type CrashHook } from '../testing/crash-points.js';
import { candleFingerprint, FINGERPRINT_SQL, SyntheticCandles } from '../testing/synthetic-candles.js';
import { CompactionJob, type CandleDecoding, type RecordSource } from './compaction-job.js';
import { compactorMetrics } from './metrics.js';

const TOPIC = 'candles.1m';
const candles: Candle[] = [...new SyntheticCandles(3).series(['BTCUSDT'], Date.UTC(2024, 0, 1), 40)];

/** Record values are the candle's index as text; "poison" cannot be decoded. */
const decoder: CandleDecoding = {
  tryDecode: (_topic, value) => {
    const text = value.toString();
    if (text === 'poison') throw new SerdeError('not a candle', 'decode-failed');
    return candles[Number(text)]!;
  },
  decode: () => Promise.reject(new Error('unused')),
};

const message = (offset: number, value = String(offset)): Message => ({ topic: TOPIC, partition: 0, offset, value: Buffer.from(value), size: value.length });

/** Delivers the given messages once, in polls of `perPoll`, from the start offset the job asked for. */
class FakeSource implements RecordSource {
  readonly commits: TopicPartitionOffset[][] = [];
  assignment: TopicPartition[] = [{ topic: TOPIC, partition: 0 }];
  private next = 0;
  readonly end: number;
  constructor(
    private readonly messages: Message[],
    private readonly perPoll: number,
    private committedOffset = -1,
    private readonly onCommit: (offsets: TopicPartitionOffset[]) => void = () => undefined,
  ) {
    this.end = (messages.at(-1)?.offset ?? -1) + 1;
  }
  async poll(): Promise<Message[]> {
    await new Promise((r) => setTimeout(r, 1));
    const batch = this.messages.slice(this.next, this.next + this.perPoll);
    this.next += batch.length;
    return batch;
  }
  commit(offsets: TopicPartitionOffset[]): void {
    this.onCommit(offsets);
    this.commits.push(offsets);
    this.committedOffset = offsets[0]!.offset;
  }
  committed(): Promise<Map<string, number>> {
    return Promise.resolve(this.committedOffset >= 0 ? new Map([[`${TOPIC}~0`, this.committedOffset]]) : new Map());
  }
  positions(): Map<string, number> {
    const last = this.messages[this.next - 1];
    return last ? new Map([[`${TOPIC}~0`, last.offset + 1]]) : new Map();
  }
}

class FakeDlq implements DeadLetterSink {
  readonly sent: { offset: number; reason: string }[] = [];
  send(m: Message, reason: string): void {
    this.sent.push({ offset: m.offset, reason });
  }
  flush(): Promise<void> {
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

let dir: string;
let lakeDir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'compactor-job-'));
  lakeDir = join(dir, 'lake');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function runJob(source: FakeSource, flushRows: number, opts: { crash?: CrashHook; dlq?: FakeDlq } = {}) {
  const writer = await LakeWriter.open({ lakeDir, instanceId: 'job', fsync: false, crash: opts.crash });
  const metrics = compactorMetrics(createRegistry('compactor-test', { defaultMetrics: false }));
  const job = new CompactionJob(
    { lakeDir, flushRows, flushBytes: 1e9, flushIntervalMs: 60_000, lagIntervalMs: 10, untilCaughtUp: true },
    {
      writer,
      decoder,
      dlq: opts.dlq ?? new FakeDlq(),
      metrics,
      log: createLogger('test', { level: 'error' }),
      crash: opts.crash,
      watermarks: () => Promise.resolve(new Map([[0, { low: 0, high: source.end }]])),
    },
  );
  job.attach(source);
  const starts = await job.onAssign(source.assignment);
  try {
    await job.run();
  } finally {
    await writer.close();
  }
  return { starts, metrics };
}

async function lake(): Promise<string[][]> {
  const q = await LakeQuery.open(lakeDir);
  try {
    return (await q.run(`SELECT kafka_offset, ${FINGERPRINT_SQL} FROM candles ORDER BY kafka_offset`)).getRows().map((r) => r.map(String));
  } finally {
    q.close();
  }
}

describe('CompactionJob', () => {
  it('commits only offsets whose records are already in the lake', async () => {
    const source = new FakeSource(
      candles.map((_, i) => message(i)),
      7,
      -1,
      (offsets) => {
        // At commit time the batch file that ends right before the committed offset is in place.
        const upTo = offsets[0]!.offset;
        const rows = candles.slice(0, upTo).map((c) => partitionDir('1m', utcDate(c.openTime)));
        expect(rows.every((d) => existsSync(join(datasetRoot(lakeDir), d)))).toBe(true);
      },
    );
    await runJob(source, 10);
    expect(source.commits.map((c) => c[0]!.offset)).toEqual([10, 20, 30, 40]);
    expect((await lake()).map((r) => r[1])).toEqual(candles.map(candleFingerprint));
  });

  it('after a crash between rename and commit, resumes after the lake, even with other batch boundaries', async () => {
    const all = candles.map((_, i) => message(i));
    const first = new FakeSource(all, 5);
    await expect(runJob(first, 10, { crash: throwingHook('before-commit', 2) })).rejects.toBeInstanceOf(SimulatedCrash);
    expect(first.commits.map((c) => c[0]!.offset)).toEqual([10]); // 10..19 landed but were not committed

    // The restart would be handed offset 20 by the consumer; replay from the committed 10 anyway to
    // show that a source which re-delivers is harmless, with batches of 7 instead of 10.
    const second = new FakeSource(all.slice(10), 3, 10);
    const { starts, metrics } = await runJob(second, 7);
    expect(starts.get(`${TOPIC}~0`)).toBe(20);
    expect((await metrics.skipped.get()).values[0]?.value).toBe(10);
    const rows = await lake();
    expect(rows.map((r) => r[0])).toEqual(candles.map((_, i) => String(i)));
    expect(rows.map((r) => r[1])).toEqual(candles.map(candleFingerprint));
  });

  it('sends undecodable records to the dead-letter sink and names the file after the whole range', async () => {
    const dlq = new FakeDlq();
    const msgs = [message(0), message(1, 'poison'), message(2), message(3, 'poison')];
    const source = new FakeSource(msgs, 10);
    await runJob(source, 100, { dlq });
    expect(dlq.sent).toEqual([
      { offset: 1, reason: 'decode-failed' },
      { offset: 3, reason: 'decode-failed' },
    ]);
    expect((await lake()).map((r) => r[0])).toEqual(['0', '2']);
    expect(existsSync(join(datasetRoot(lakeDir), partitionDir('1m', '2024-01-01'), batchFileName({ topic: TOPIC, partition: 0, first: 0, last: 3 })))).toBe(true);
    expect(source.commits.at(-1)).toEqual([{ topic: TOPIC, partition: 0, offset: 4 }]);
  });
});
