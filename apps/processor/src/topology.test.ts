import { readFileSync } from 'node:fs';
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { Decimal, parseBinanceTradesCsv, parseKlineCsv, type Candle, type Trade } from '@candlestream/market';
import { LOGICAL_TYPES, loadSchema } from '@candlestream/pipeline';
import { TopologyTestDriver, type Serde } from '@candlestream/streams';
import { loadConfig, type ProcessorConfig } from './config.js';
import type { IndicatorRecord } from './processors/indicators.js';
import type { SpreadOutput } from './processors/spreads.js';
import { buildCandleTopology, buildSpreadTopology, spreadRepartitionTopic } from './topology.js';

const DATA = new URL('../../../../shared/data/binance/', import.meta.url);

/** The real record schemas in plain Avro binary (no registry header): no broker or registry needed. */
function avroSerde<T>(name: 'trade' | 'candle'): Serde<T> {
  const type = avro.Type.forSchema(loadSchema(name) as avro.Schema, { logicalTypes: LOGICAL_TYPES });
  return { serialize: (v) => type.toBuffer(v), deserialize: (b) => type.fromBuffer(b) as T };
}
const tradeSerde = avroSerde<Trade>('trade');
const candleSerde = avroSerde<Candle>('candle');

function setup(overrides: Partial<ProcessorConfig> = {}) {
  const cfg = { ...(loadConfig([], {}) as ProcessorConfig), graceMs: 0, ...overrides };
  const driver = new TopologyTestDriver(buildCandleTopology(cfg, { trade: tradeSerde, candle: () => candleSerde }), { applicationId: cfg.applicationId });
  return { cfg, driver, trades: driver.createInputTopic('trades', tradeSerde) };
}

const sample = parseBinanceTradesCsv(readFileSync(new URL('trades/BTCUSDT-trades-2017-08-17.csv', DATA), 'utf8'), { symbol: 'BTCUSDT', receivedTime: 0 });

function trade(exchange: string, symbol: string, id: number, price: string, time: number): Trade {
  return { exchange, symbol, pair: 'BTC-USD', tradeId: id, price: Decimal.parse(price), quantity: Decimal.parse('1'), tradeTime: time, buyerIsMaker: false, receivedTime: time };
}

describe('candle topology (test driver, real Binance sample)', () => {
  it('emits one final 1m candle per minute with trades, equal to the official klines, and 5m candles once each', () => {
    const { driver, trades } = setup();
    for (const t of sample) trades.pipeInput('BINANCE:BTCUSDT', t, t.tradeTime);
    // A trade the next day moves stream time past every window of the sample, closing them all.
    const closer = sample[sample.length - 1]!;
    trades.pipeInput('BINANCE:BTCUSDT', { ...closer, tradeId: closer.tradeId + 1, tradeTime: closer.tradeTime + 3_600_000 }, closer.tradeTime + 3_600_000);

    const oneMinute = driver.createOutputTopic('candles.1m', candleSerde).readValuesToList();
    const klines = new Map(parseKlineCsv(readFileSync(new URL('klines/1m/BTCUSDT-1m-2017-08-17.csv', DATA), 'utf8')).map((k) => [k.openTime, k]));
    expect(oneMinute).toHaveLength(831);
    expect(new Set(oneMinute.map((c) => c.openTime)).size).toBe(831);
    for (const c of oneMinute) {
      const k = klines.get(c.openTime)!;
      expect(c.interval).toBe('1m');
      expect(c.closeTime).toBe(k.closeTime);
      for (const [ours, theirs] of [
        [c.open, k.open], [c.high, k.high], [c.low, k.low], [c.close, k.close], [c.volume, k.volume],
        [c.quoteVolume, k.quoteVolume], [c.takerBuyVolume, k.takerBuyBaseVolume], [c.takerBuyQuoteVolume, k.takerBuyQuoteVolume],
      ] as [Decimal, Decimal][]) {
        expect(ours.equals(theirs), `${c.openTime}: ${ours.toString()} vs ${theirs.toString()}`).toBe(true);
      }
      expect(c.tradeCount).toBe(k.tradeCount);
    }
    const fiveMinute = driver.createOutputTopic('candles.5m', candleSerde).readValuesToList();
    expect(fiveMinute).toHaveLength(222);
    expect(new Set(fiveMinute.map((c) => c.openTime)).size).toBe(222);
    expect(fiveMinute.reduce((n, c) => n + c.tradeCount, 0)).toBe(sample.length);

    const indicators = driver.createOutputTopic('indicators.1m', { serialize: () => Buffer.alloc(0), deserialize: (b) => JSON.parse(b.toString()) as IndicatorRecord }).readValuesToList();
    expect(indicators).toHaveLength(831);
    expect(indicators.slice(0, 14).every((i) => i.rsi === null)).toBe(true);
    expect(indicators[14]!.rsi).toBeGreaterThan(0);
    expect(indicators[19]!.sma['20']).toBeCloseTo(oneMinute.slice(0, 20).reduce((s, c) => s + c.close.toNumber(), 0) / 20, 6);
    driver.close();
  });

  it('publishes a final candle once and never changes it for trades beyond grace; those are counted late', () => {
    const { driver, trades } = setup({ graceMs: 10_000 });
    const t0 = 1_700_000_000_000 - (1_700_000_000_000 % 60_000);
    const tr = (id: number, price: string, time: number) => trade('BINANCE', 'BTCUSDT', id, price, time);
    trades.pipeInput('BINANCE:BTCUSDT', tr(1, '100', t0 + 1000), t0 + 1000);
    trades.pipeInput('BINANCE:BTCUSDT', tr(3, '103', t0 + 61_000), t0 + 61_000);
    // Out of order but within grace (stream time 61 s < 60 s + 10 s): lands in the first minute.
    trades.pipeInput('BINANCE:BTCUSDT', tr(2, '90', t0 + 30_000), t0 + 30_000);
    trades.pipeInput('BINANCE:BTCUSDT', tr(4, '104', t0 + 75_000), t0 + 75_000); // closes minute 0
    trades.pipeInput('BINANCE:BTCUSDT', tr(5, '1', t0 + 59_000), t0 + 59_000); // beyond grace: late
    trades.pipeInput('BINANCE:BTCUSDT', tr(6, '105', t0 + 200_000), t0 + 200_000);
    const finals = driver.createOutputTopic('candles.1m', candleSerde).readValuesToList();
    const first = finals.filter((c) => c.openTime === t0);
    expect(first).toHaveLength(1);
    expect(first[0]!.low.toString()).toBe('90');
    expect(first[0]!.tradeCount).toBe(2);
    expect(first[0]!.close.toString()).toBe('90'); // by trade time, not arrival
    expect(driver.stats().late).toEqual(expect.objectContaining({ 'candles-1m': 1 }));
    expect(driver.take(driver.lateTopic).length).toBeGreaterThanOrEqual(1);
    driver.close();
  });

  it('re-keys closed candles by pair and reports cross-exchange spreads and arbitrage', () => {
    const { cfg, driver, trades } = setup();
    const t0 = 1_700_000_040_000 - (1_700_000_040_000 % 60_000);
    trades.pipeInput('COINBASE:BTC-USD', trade('COINBASE', 'BTC-USD', 1, '60000', t0 + 1000), t0 + 1000);
    trades.pipeInput('KRAKEN:XBT/USD', trade('KRAKEN', 'XBT/USD', 1, '60300', t0 + 2000), t0 + 2000);
    trades.pipeInput('COINBASE:BTC-USD', trade('COINBASE', 'BTC-USD', 2, '60000', t0 + 70_000), t0 + 70_000);
    trades.pipeInput('KRAKEN:XBT/USD', trade('KRAKEN', 'XBT/USD', 2, '60300', t0 + 70_000), t0 + 70_000);
    // The spreads application reads what the candle application wrote to the repartition topic.
    const spreadsDriver = new TopologyTestDriver(buildSpreadTopology(cfg, { trade: tradeSerde, candle: () => candleSerde }));
    for (const r of driver.take(spreadRepartitionTopic(cfg.applicationId))) {
      spreadsDriver.pipeRaw(spreadRepartitionTopic(cfg.applicationId), r.key?.toString() ?? null, r.value, r.timestamp);
    }
    const json = { serialize: () => Buffer.alloc(0), deserialize: (b: Buffer) => JSON.parse(b.toString()) as SpreadOutput };
    const spreads = spreadsDriver.createOutputTopic('spreads.1m', json).readValuesToList();
    expect(spreads).toHaveLength(1);
    expect(spreads[0]!.spread.spreadBps).toBe('50.0000');
    const alerts = spreadsDriver.createOutputTopic('alerts', json).readValuesToList().filter((a) => a.type === 'arbitrage');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.spread.high.exchange).toBe('KRAKEN');
    spreadsDriver.close();
    driver.close();
  });
});
