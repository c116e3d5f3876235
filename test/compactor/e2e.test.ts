import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Candle } from '@candlestream/market';
import { candleSerde, pipelineRegistry } from '@candlestream/pipeline';
import { candleFingerprint, FINGERPRINT_SQL, SyntheticCandles } from '@candlestream/compactor';
import { conn, createTopic, readTopic, TestProducer, uniqueName, withAdmin } from '../support/kafka.js';
import { freePort } from '../support/apps.js';
import { candleRecords, compactor, killAll, compactorOk, lakeRows, produceTransactional, sleep } from './helpers.js';

/**
 * The whole path on the real stack: candles produced (transactionally, plus an aborted transaction and
 * poison records) -> `compactor run` -> `compactor query` returns exactly the committed candles, every
 * decimal equal; poison records are in the dead-letter topic with their provenance; metrics and
 * health are served; `tail` prints a symbol's candles; `merge` leaves one file per day, idempotently.
 */
const prefix = uniqueName('cmp-e2e');
const topic1m = `${prefix}.candles.1m`;
const topic5m = `${prefix}.candles.5m`;
const dlqTopic = `${prefix}-dlq`;
const dir = mkdtempSync(join(tmpdir(), 'compactor-e2e-'));
const lakeDir = join(dir, 'lake');
const SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT'];
// 22:00 to 02:00 UTC: every batch of the 1m topic spans two days.
const START = Date.UTC(2024, 2, 9, 22, 0);

const gen = new SyntheticCandles(2024);
const candles1m: Candle[] = [...gen.series(SYMBOLS, START, 240, '1m')];
const candles5m: Candle[] = [...gen.series(SYMBOLS, START, 48, '5m')];
const aborted: Candle[] = [...new SyntheticCandles(99).series(['ABORTUSDT'], START, 10, '1m')];
const produced = [...candles1m, ...candles5m];

const run = ['--topics', `${topic1m},${topic5m}`, '--group', `${prefix}-g`, '--instance-id', `${prefix}-i`, '--dlq-topic', dlqTopic];
const common = { LAKE_DIR: lakeDir };

let poisonOffsets: { reason: string; partition: number; offset: number }[] = [];

beforeAll(async () => {
  await createTopic(topic1m, 2);
  await createTopic(topic5m, 2);
  const r1 = await candleRecords(topic1m, candles1m);
  await produceTransactional(topic1m, r1.slice(0, 360), 120);

  // Poison: not Avro at all, cut short, an unknown schema id, a body that is not a candle, a
  // tombstone, and a well-formed candle whose interval cannot be a directory name.
  const serde = await candleSerde(pipelineRegistry(conn.registryUrl), topic1m);
  const good = serde.serialize(candles1m[0]!);
  const badInterval = serde.serialize({ ...candles1m[0]!, interval: '1m/../x' });
  const unknownId = Buffer.from(good);
  unknownId.writeUInt32BE(0x7ffffff0, 1);
  const notACandle = Buffer.concat([good.subarray(0, 5), Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01])]);
  const plain = await TestProducer.connect();
  plain.send(topic1m, [
    { key: 'poison:magic', value: Buffer.from('{"not":"avro"}'), partition: 0 },
    { key: 'poison:short', value: Buffer.from([0, 0, 0]), partition: 0 },
    { key: 'poison:id', value: unknownId, partition: 1 },
    { key: 'poison:body', value: notACandle, partition: 1 },
    { key: 'poison:null', value: null, partition: 0 },
    { key: 'poison:interval', value: badInterval, partition: 1 },
  ]);
  await plain.flush();
  await plain.close();

  await produceTransactional(topic1m, r1.slice(360), 120);
  // An aborted transaction: read_committed must never show these.
  const tx = await TestProducer.connect({ transactionalId: `${prefix}-aborted` });
  await tx.begin();
  tx.send(topic1m, await candleRecords(topic1m, aborted));
  await tx.abort();
  await tx.close();
  await produceTransactional(topic5m, await candleRecords(topic5m, candles5m), 100);

  const all = await readTopic(topic1m);
  poisonOffsets = all
    .filter((m) => m.key?.toString().startsWith('poison:'))
    .map((m) => ({ reason: m.key!.toString().slice('poison:'.length), partition: m.partition, offset: m.offset }));
}, 120_000);

afterAll(async () => {
  killAll();
  rmSync(dir, { recursive: true, force: true });
  await withAdmin(async (admin) => {
    for (const t of [topic1m, topic5m, dlqTopic]) await admin.deleteTopic(t).catch(() => undefined);
  });
});

async function scrape(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  return res.text();
}

function metricSum(text: string, name: string, filter = ''): number {
  return text
    .split('\n')
    .filter((l) => l.startsWith(name) && l.includes(filter))
    .reduce((a, l) => a + Number(l.split(' ').pop()), 0);
}

describe('compactor end to end', () => {
  it('writes exactly the committed candles, dead-letters the rest, and serves metrics', async () => {
    const port = await freePort();
    const child = compactor(['run', ...run, '--flush-rows', '250', '--flush-interval-ms', '500', '--lag-interval-ms', '300', '--metrics-port', String(port)], common);
    await child.waitFor('"msg":"partitions assigned"', 60_000);

    // Wait until every produced row is written and the lag is 0, watching /metrics like Prometheus.
    let text = '';
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(300)) {
      text = await scrape(port);
      const lagLines = text.split('\n').filter((l) => l.startsWith('candlestream_compactor_consumer_lag_records{'));
      if (metricSum(text, 'candlestream_compactor_rows_written_total') === produced.length && lagLines.length === 4 && metricSum(text, 'candlestream_compactor_consumer_lag_records{') === 0) break;
    }
    expect(metricSum(text, 'candlestream_compactor_rows_written_total', `topic="${topic1m}"`)).toBe(candles1m.length);
    expect(metricSum(text, 'candlestream_compactor_rows_written_total', `topic="${topic5m}"`)).toBe(candles5m.length);
    expect(metricSum(text, 'candlestream_compactor_consumer_lag_records{')).toBe(0);
    expect(metricSum(text, 'candlestream_compactor_dead_letter_records_total')).toBe(6);
    expect(metricSum(text, 'candlestream_compactor_files_written_total')).toBeGreaterThan(0);
    expect(metricSum(text, 'candlestream_compactor_bytes_written_total')).toBeGreaterThan(0);
    expect(text).toContain('candlestream_compactor_batch_duration_seconds_bucket');
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);

    child.proc.kill('SIGTERM');
    expect((await child.exited).code).toBe(0);
    expect(child.stderr()).toContain('"msg":"config"');

    // `compactor query` returns exactly the produced candles: count, keys, every field.
    const json = await compactorOk(['query', '--format', 'json', `SELECT *, ${FINGERPRINT_SQL} AS fp FROM candles ORDER BY kafka_topic, kafka_partition, kafka_offset`], common);
    const rows = JSON.parse(json) as Record<string, string | number>[];
    expect(rows).toHaveLength(produced.length);
    expect(rows.map((r) => r.fp).sort()).toEqual(produced.map(candleFingerprint).sort());
    const byKey = new Map(produced.map((c) => [`${c.interval}|${c.symbol}|${c.openTime}`, c]));
    for (const r of rows) {
      const c = byKey.get(`${r.interval}|${r.symbol}|${Date.parse(String(r.open_time))}`)!;
      expect(c, `row ${JSON.stringify(r)}`).toBeDefined();
      expect(r.quote_volume).toBe(c.quoteVolume.toFixed(20));
      expect(r.taker_buy_quote_volume).toBe(c.takerBuyQuoteVolume.toFixed(20));
      expect(r.vwap).toBe(c.vwap.toFixed(10));
      expect(r.open).toBe(c.open.toFixed(10));
      expect(r.date).toBe(new Date(c.openTime).toISOString().slice(0, 10));
    }
    expect(rows.some((r) => r.symbol === 'ABORTUSDT')).toBe(false);

    // Lineage: the lake's (partition, offset) pairs are exactly the source's candle records.
    const source = (await readTopic(topic1m)).filter((m) => !m.key?.toString().startsWith('poison:'));
    const lineage = rows.filter((r) => r.kafka_topic === topic1m).map((r) => `${r.kafka_partition}:${r.kafka_offset}`);
    expect(lineage.sort()).toEqual(source.map((m) => `${m.partition}:${m.offset}`).sort());
    expect(new Set(rows.map((r) => `${r.kafka_topic}:${r.kafka_partition}:${r.kafka_offset}`)).size).toBe(rows.length);

    const counts = await compactorOk(['query', '--format', 'csv', 'SELECT (SELECT count(*) FROM candles_1m) AS m1, (SELECT count(*) FROM candles_5m) AS m5'], common);
    expect(counts).toBe(`m1,m5\n${candles1m.length},${candles5m.length}\n`);

    // Dead letters: one per poison record, key and value untouched, provenance in the headers.
    const dead = await readTopic(dlqTopic);
    expect(dead).toHaveLength(6);
    const header = (m: (typeof dead)[number], name: string): string | undefined => {
      for (const h of m.headers ?? []) if (h[name] !== undefined) return h[name]!.toString();
      return undefined;
    };
    const got = dead.map((m) => ({
      key: m.key?.toString(),
      reason: header(m, 'dlq.reason'),
      topic: header(m, 'dlq.source.topic'),
      at: `${header(m, 'dlq.source.partition')}:${header(m, 'dlq.source.offset')}`,
    }));
    expect(got.map((g) => g.at).sort()).toEqual(poisonOffsets.map((p) => `${p.partition}:${p.offset}`).sort());
    expect(new Set(got.map((g) => g.topic))).toEqual(new Set([topic1m]));
    expect(Object.fromEntries(got.map((g) => [g.key, g.reason]))).toEqual({
      'poison:magic': 'bad-magic-byte',
      'poison:short': 'truncated',
      'poison:id': 'unknown-schema-id',
      'poison:body': 'decode-failed',
      'poison:null': 'null-value',
      'poison:interval': 'bad-interval',
    });
  });

  it('tails one symbol from a candle topic', async () => {
    const out = await compactorOk(['tail', '--topic', topic1m, '--symbol', 'ethusdt', '--from', 'beginning', '--max', '3', '--format', 'json']);
    const lines = out.trim().split('\n').map((l) => JSON.parse(l) as { symbol: string; openTime: string; close: string });
    const eth = candles1m.filter((c) => c.symbol === 'ETHUSDT').slice(0, 3);
    expect(lines.map((l) => [l.symbol, l.openTime, l.close])).toEqual(eth.map((c) => [c.symbol, new Date(c.openTime).toISOString(), c.close.toString()]));
    const table = await compactorOk(['tail', '--topic', topic5m, '--symbol', 'BTCUSDT', '--from', new Date(START + 3_600_000).toISOString(), '--max', '2']);
    expect(table.split('\n')[0]).toMatch(/^open_time \(UTC\)\s+exchange\s+symbol/);
    expect(table).toContain('2024-03-09T23:00:00.000Z BINANCE   BTCUSDT    5m');
  });

  it('merges each day into one file, atomically and idempotently, without changing query results', async () => {
    const before = await lakeRows(lakeDir, `SELECT ${FINGERPRINT_SQL} FROM candles ORDER BY 1`);
    const filesBefore = await lakeRows(lakeDir, 'SELECT count(*) FROM lake_files WHERE live');
    expect(Number(filesBefore[0]![0])).toBeGreaterThan(4);

    const report = await compactorOk(['merge'], common);
    expect(report).toContain('interval=1m/date=2024-03-09');
    const perDir = await lakeRows(lakeDir, 'SELECT interval, date, count(*) FILTER (live), count(*) FILTER (NOT live), min(kind) FROM lake_files GROUP BY ALL ORDER BY ALL');
    expect(perDir).toEqual([
      ['1m', '2024-03-09', '1', '0', 'merged'],
      ['1m', '2024-03-10', '1', '0', 'merged'],
      ['5m', '2024-03-09', '1', '0', 'merged'],
      ['5m', '2024-03-10', '1', '0', 'merged'],
    ]);
    expect(await lakeRows(lakeDir, `SELECT ${FINGERPRINT_SQL} FROM candles ORDER BY 1`)).toEqual(before);

    const files = await lakeRows(lakeDir, 'SELECT name FROM lake_files ORDER BY 1');
    await compactorOk(['merge'], common);
    expect(await lakeRows(lakeDir, 'SELECT name FROM lake_files ORDER BY 1')).toEqual(files);
  });
});
