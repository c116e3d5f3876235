import { readFileSync } from 'node:fs';
import { parseBinanceTradesCsv, type Trade } from '@candlestream/market';
import { describe, expect, it } from 'vitest';
import { parseBinanceMessage } from '../../apps/producer/src/exchanges/binance.js';
import { createTopic, readTopic, uniqueName } from '../support/kafka.js';
import { dataLines, dataPath, expectExactlyTrades, serdeFor } from './support/expect-trades.js';
import { ProducerProcess } from './support/producer-process.js';

const CSV = dataPath('binance/trades/BTCUSDT-trades-2017-08-17.csv');
const WS_MAIN = dataPath('ws/binance/hftbacktest-spot-trade-btcusdt-ethusdt.jsonl');

describe('producer replay', () => {
  it('replays the real Binance trades CSV: exactly the file\'s 3427 trades, decimals intact, symbol from the file name', async () => {
    const topic = uniqueName('trades-csv');
    const dlq = uniqueName('dlq-csv');
    const res = await ProducerProcess.run(['replay', '--topic', topic, '--dlq-topic', dlq, '--metrics-port', 'off', CSV]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/replayed 3427 trades from 3427 lines .*3427 produced to .*0 duplicates dropped, 0 malformed/);
    expect(res.stderr).toMatch(/Binance trades CSV, symbol BTCUSDT/);
    const expected = parseBinanceTradesCsv(readFileSync(CSV, 'utf8'), { symbol: 'BTCUSDT', receivedTime: 0 });
    expect(expected).toHaveLength(3427);
    const got = expectExactlyTrades(await readTopic(topic), await serdeFor(topic), expected);
    // The file's own text survives: 8-decimal strings back from the exact decimals.
    const row = readFileSync(CSV, 'utf8').split('\n')[13]?.split(',') ?? [];
    const t13 = got.find((t) => t.tradeId === 13) as Trade;
    expect([t13.price.toFixed(8), t13.quantity.toFixed(8)]).toEqual([row[1], row[2]]);
    expect(await readTopic(dlq)).toHaveLength(0);
  });

  it('replays WebSocket recordings through the exchange parser, looped with shifted ids and times (--loop 2)', async () => {
    const topic = uniqueName('trades-loop');
    const dlq = uniqueName('dlq-loop');
    await createTopic(topic, 2);
    await createTopic(dlq, 1);
    const res = await ProducerProcess.run(['replay', '--loop', '2', '--topic', topic, '--dlq-topic', dlq, '--metrics-port', 'off', WS_MAIN]);
    expect(res.code, res.stderr).toBe(0);
    const once = dataLines('ws/binance/hftbacktest-spot-trade-btcusdt-ethusdt.jsonl').map((l) => {
      const r = parseBinanceMessage(l, 0);
      if (r.kind !== 'trades') throw new Error('fixture');
      return r.trades[0] as Trade;
    });
    // Pass 2 continues each symbol's ids where pass 1 ended; its times are pass 1's shifted by the
    // input's time span rounded up to whole days (so minute and day alignment survive).
    const idSpan = new Map<string, number>();
    for (const s of ['BTCUSDT', 'ETHUSDT']) {
      const ids = once.filter((t) => t.symbol === s).map((t) => t.tradeId);
      idSpan.set(s, Math.max(...ids) - Math.min(...ids) + 1);
    }
    const times = once.map((t) => t.tradeTime);
    const timeShift = Math.ceil((Math.max(...times) - Math.min(...times) + 1) / 86_400_000) * 86_400_000;
    const second = once.map((t) => ({ ...t, tradeId: t.tradeId + (idSpan.get(t.symbol) as number), tradeTime: t.tradeTime + timeShift }));
    expectExactlyTrades(await readTopic(topic), await serdeFor(topic), [...once, ...second]);
    expect(res.stdout).toMatch(/replayed 49088 trades .* 0 duplicates dropped, 0 malformed .* 0 gaps/);
  });

  it('stops reading on SIGTERM during a real-time replay, flushes what it read and exits 0', async () => {
    const topic = uniqueName('trades-sigterm');
    const p = ProducerProcess.start(['replay', '--speed', 'x600', '--topic', topic, '--dlq-topic', `${topic}-dlq`, '--metrics-port', '0', CSV]);
    // At 600x the first trades (04:00:28 onwards, minutes apart) trickle in: wait for some, then stop.
    await p.waitFor('a few trades produced', async () => ((await p.scrape()).get('candlestream_trades_produced_total') >= 5 ? true : undefined));
    const exit = await p.stop('SIGTERM');
    expect(exit.code, p.stderr).toBe(0);
    const n = Number(/replayed (\d+) trades/.exec(p.stdout)?.[1]);
    expect(n).toBeGreaterThanOrEqual(5);
    expect(n).toBeLessThan(3427);
    const expected = parseBinanceTradesCsv(readFileSync(CSV, 'utf8'), { symbol: 'BTCUSDT', receivedTime: 0 }).slice(0, n);
    expectExactlyTrades(await readTopic(topic), await serdeFor(topic), expected);
  });

  it('surfaces records the broker refuses: counted, logged, exit code 1 naming them', async () => {
    const topic = uniqueName('trades-refused');
    await createTopic(topic, 1, { 'max.message.bytes': '200' });
    const res = await ProducerProcess.run(['replay', '--topic', topic, '--dlq-topic', uniqueName('dlq-refused'), '--metrics-port', 'off', CSV]);
    expect(res.code).toBe(1);
    const errorLines = res.stderr.split('\n').filter((l) => l.startsWith('error:'));
    expect(errorLines).toEqual([expect.stringMatching(/^error: DeliveryFailedError: \d+ records not delivered \(\d+ failed after retries, 0 unacknowledged\): Broker: Message size too large/)]);
    // A batch small enough may get through; every other record is accounted for as failed.
    const failed = Number(/(\d+) records not delivered/.exec(errorLines[0] as string)?.[1]);
    expect(failed).toBeGreaterThan(3000);
    expect(failed + (await readTopic(topic)).length).toBe(3427);
    expect(res.logs.filter((l) => l.msg.startsWith('record not delivered'))).toEqual([expect.objectContaining({ level: 'error', topic, code: 10 })]);
  });
});
