/**
 * kill -9 / restart of the processor on the real sample spread over many symbols: the final candles
 * it commits must equal an uninterrupted run's, record for record per partition (emit-on-close output
 * is a function of the input alone), with no duplicate and no gap. Seed: PROCESSOR_CRASH_SEED.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseBinanceTradesCsv, type Trade } from '@candlestream/market';
import { pipelineRegistry, tradeSerde } from '@candlestream/pipeline';
import { seededRandom, seedFrom } from '../support/random.js';
import { AppProcess, eventually } from '../support/apps.js';
import { conn, createTopic, endOffsets, readTopic, TestProducer, uniqueName } from '../support/kafka.js';

const SYMBOLS = 60;
const KILLS = 10;
const random = seededRandom(seedFrom('PROCESSOR_CRASH_SEED', 'processor crash'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const work = mkdtempSync(join(tmpdir(), 'processor-crash-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const DATA = new URL('../../../shared/data/binance/trades/BTCUSDT-trades-2017-08-17.csv', import.meta.url);
const run = uniqueName('x').replace(/[^a-z0-9]/g, '').slice(-6).toUpperCase();
const keyOf = (i: number) => `BINANCE:C${run}${String(i).padStart(2, '0')}USDT`;

/**
 * Final candles of this test's keys committed after `from`, per topic and key in offset order, as
 * comparable bytes. Per key, not per output partition: an output partition interleaves the output of
 * several tasks, in an order that depends on timing; each key's sequence comes from one task alone.
 */
async function finals(from: Record<string, Record<number, number>>): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const topic of ['candles.1m', 'candles.5m']) {
    for (const m of await readTopic(topic, { from: from[topic]! })) {
      const key = m.key?.toString() ?? '';
      if (!key.startsWith(`BINANCE:C${run}`)) continue;
      (out[`${topic} ${key}`] ??= []).push(m.value!.toString('base64'));
    }
  }
  return out;
}
const count = (r: Record<string, string[]>) => Object.values(r).reduce((n, l) => n + l.length, 0);

describe('processor kill -9 / restart', () => {
  it(`gives the same final candles as a clean run (${KILLS} kills)`, async () => {
    const input = uniqueName('trades-crash');
    await createTopic(input, 4);
    const sample = parseBinanceTradesCsv(readFileSync(DATA, 'utf8'), { symbol: 'BTCUSDT', receivedTime: 0 });
    const serde = await tradeSerde(pipelineRegistry(conn.registryUrl), input);
    const producer = await TestProducer.connect();
    // The sample once per symbol, interleaved by time, plus a trade a day later that closes every window.
    const trades: [string, Trade][] = [];
    for (const t of sample) for (let s = 0; s < SYMBOLS; s++) trades.push([keyOf(s), { ...t, symbol: keyOf(s).slice(8) }]);
    for (let s = 0; s < SYMBOLS; s++) trades.push([keyOf(s), { ...sample[0]!, symbol: keyOf(s).slice(8), tradeId: 1e6, tradeTime: Date.UTC(2017, 7, 19) }]);
    for (const [key, t] of trades) producer.send(input, [{ key, value: serde.serialize(t) }], t.tradeTime);
    await producer.flush();
    await producer.close();
    const expectedCandles = (831 + 222) * SYMBOLS;

    const runOnce = async (name: string, kills: number): Promise<Record<string, string[]>> => {
      const from = { 'candles.1m': await endOffsets('candles.1m'), 'candles.5m': await endOffsets('candles.5m') };
      const env = { INPUT_TOPIC: input, APPLICATION_ID: uniqueName(`crash-${name}`), STATE_DIR: join(work, name), GRACE_MS: '0', METRICS_PORT: '0', COMMIT_INTERVAL_MS: '50' };
      let app = AppProcess.start('processor', [], env, { built: true });
      for (let k = 0; k < kills; k++) {
        await sleep(700 + random() * 2500);
        expect(app.exited, app.tail()).toBe(false);
        app.proc.kill('SIGKILL');
        await app.wait();
        app = AppProcess.start('processor', [], env, { built: true });
      }
      try {
        return await eventually(async () => {
          if (app.exited) throw new Error(app.tail());
          const got = await finals(from);
          return count(got) >= expectedCandles ? got : undefined;
        }, 180_000, `${expectedCandles} final candles (${name})`, 1000);
      } finally {
        expect(await app.stop()).toBe(0);
      }
    };

    let t = Date.now();
    const clean = await runOnce('clean', 0);
    console.log(`clean run: ${Date.now() - t} ms`);
    t = Date.now();
    const crashed = await runOnce('crashed', KILLS);
    console.log(`run with ${KILLS} kills: ${Date.now() - t} ms`);
    expect(count(clean)).toBe(expectedCandles);
    expect(count(crashed)).toBe(expectedCandles); // no duplicate, no gap
    expect(Object.keys(crashed).sort()).toEqual(Object.keys(clean).sort());
    for (const tp of Object.keys(clean)) expect(crashed[tp], tp).toEqual(clean[tp]);
  }, 480_000);
});
