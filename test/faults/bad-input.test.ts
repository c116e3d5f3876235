import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AvroSerde, SchemaIncompatibleError } from '@candlestream/kafka';
import { addTrade, Decimal, emptyCandleState, toCandle, type Candle, type CandleState } from '@candlestream/market';
import { candleSerde, loadSchema, pipelineRegistry, tradeSerde, valueSubject } from '@candlestream/pipeline';
import { AppProcess, eventually } from '../support/apps.js';
import { conn, createTopic, endOffsets, readTopic, TestProducer, uniqueName } from '../support/kafka.js';

const WS = new URL('../../../shared/data/ws/binance/hftbacktest-spot-trade-btcusdt-ethusdt.jsonl', import.meta.url);
const work = mkdtempSync(join(tmpdir(), 'bad-input-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const registry = pipelineRegistry(conn.registryUrl);

const header = (h: { [k: string]: Buffer | string }[] | undefined, name: string): string | undefined => {
  const entry = h?.find((x) => name in x);
  return entry ? String(entry[name]) : undefined;
};

/** Frames a broken or hostile feed could send, each with the reason the producer must give. */
const BAD_FRAMES: [string, RegExp][] = [
  ['this is not json', /invalid-json/],
  ['{"stream":"btcusdt@trade","data":{"e":"trade","E":1,"s":"BTCUSDT","t":"x","p":"1","q":"1","T":1,"m":true}}', /wrong-type:t|bad-integer:t/],
  ['{"stream":"btcusdt@trade","data":{"e":"trade","E":1,"s":"BTCUSDT","t":5,"p":"1.2.3","q":"1","T":1,"m":true}}', /bad-decimal:p/],
  ['{"stream":"btcusdt@trade","data":{"e":"trade","E":1,"s":"BTCUSDT","t":5,"q":"1","T":1,"m":true}}', /missing-field:p/],
  [`{"stream":"btcusdt@trade","data":{"e":"trade","pad":"${'x'.repeat(1_100_000)}"}}`, /too-large/],
  ['[1,2,3]', /not-an-object|unknown-message/],
];

describe('bad input sweep: every bad record is counted and dead-lettered with its reason, nothing valid is lost', () => {
  it('producer: malformed WebSocket frames go to producer-dlq, the valid trades to the topic exactly once', async () => {
    const lines = readFileSync(WS, 'utf8').split('\n').filter(Boolean).slice(0, 2000);
    const mixed: string[] = [];
    lines.forEach((l, i) => {
      mixed.push(l);
      if (i % 300 === 0 && i / 300 < BAD_FRAMES.length) mixed.push(BAD_FRAMES[i / 300]![0]);
    });
    const file = join(work, 'binance-mixed.jsonl');
    writeFileSync(file, mixed.join('\n') + '\n');
    const topic = uniqueName('trades-sweep');
    const dlq = uniqueName('producer-dlq-sweep');
    await createTopic(topic, 2);
    await createTopic(dlq, 1);
    const replay = AppProcess.start('producer', ['replay', '--exchange', 'binance', '--topic', topic, '--dlq-topic', dlq, '--metrics-port', 'off', file], {});
    expect(await replay.wait(120_000), replay.tail()).toBe(0);

    const trades = await readTopic(topic);
    expect(trades).toHaveLength(2000);
    const dead = await readTopic(dlq);
    expect(dead).toHaveLength(BAD_FRAMES.length);
    const reasons = dead.map((m) => header(m.headers, 'dlq.error.reason') ?? '');
    for (const [, reason] of BAD_FRAMES) expect(reasons.some((r) => reason.test(r)), `${reason} in ${reasons.join('\n')}`).toBe(true);
    // The raw payload is kept byte for byte; the one over 512 KiB keeps its head, its size and its hash.
    for (const [frame] of BAD_FRAMES) {
      const m = dead.find((d) => frame.startsWith(d.value!.toString()));
      expect(m, frame.slice(0, 80)).toBeDefined();
      if (frame.length <= 512 * 1024) expect(m!.value!.toString()).toBe(frame);
      else {
        expect(header(m!.headers, 'dlq.payload.truncated')).toBe('true');
        expect(Number(header(m!.headers, 'dlq.payload.bytes'))).toBe(Buffer.byteLength(frame));
        expect(header(m!.headers, 'dlq.payload.sha256')).toBe(createHash('sha256').update(frame).digest('hex'));
      }
    }
  });

  it('registry: a schema that breaks compatibility is refused, and the registered one still works', async () => {
    const topic = uniqueName('trades-schema-sweep');
    const good = await tradeSerde(registry, topic);
    const schema = loadSchema('trade') as { fields: { name: string }[] };
    const bad = { ...schema, fields: schema.fields.filter((f) => f.name !== 'quantity') };
    await expect(AvroSerde.create(registry, valueSubject(topic), bad)).rejects.toThrow(SchemaIncompatibleError);
    expect((await tradeSerde(registry, topic)).schemaId).toBe(good.schemaId);
  });

  it('processor: wrong magic byte, unknown schema id, truncated, undecodable and huge records are dead-lettered with headers; candles stay exact', async () => {
    const input = uniqueName('trades-poison');
    await createTopic(input, 1);
    const serde = await tradeSerde(registry, input);
    const valid = readFileSync(WS, 'utf8').split('\n').filter(Boolean).slice(0, 3000)
      .map((l) => JSON.parse(l) as { data: { s: string; t: number; p: string; q: string; T: number; m: boolean } })
      .filter((f) => f.data.s === 'BTCUSDT')
      .map((f) => ({ exchange: 'BINANCE', symbol: 'BTCUSDT', pair: 'BTC-USDT', tradeId: f.data.t, price: Decimal.parse(f.data.p), quantity: Decimal.parse(f.data.q), tradeTime: f.data.T, buyerIsMaker: f.data.m, receivedTime: f.data.T }));
    const poison: { value: Buffer; reason: RegExp }[] = [
      { value: Buffer.from([1, 0, 0, 0, 1, 2, 3]), reason: /bad-magic-byte/ },
      { value: Buffer.from([0, 0, 0]), reason: /truncated/ },
      { value: Buffer.concat([Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0]), Buffer.from('junk')]), reason: /unknown-schema-id/ },
      { value: Buffer.concat([serde.serialize(valid[0]!).subarray(0, 5), Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff])]), reason: /decode-failed/ },
      { value: Buffer.from('{"json":"is not avro"}'), reason: /bad-magic-byte/ },
      { value: Buffer.concat([Buffer.from([0]), Buffer.alloc(900_000, 7)]), reason: /unknown-schema-id|decode-failed/ },
    ];
    const producer = await TestProducer.connect();
    const every = Math.floor(valid.length / poison.length);
    valid.forEach((t, i) => {
      producer.send(input, [{ key: 'BINANCE:BTCUSDT', value: serde.serialize(t) }], t.tradeTime);
      if (i % every === 0 && i / every < poison.length) producer.send(input, [{ key: 'BINANCE:BTCUSDT', value: poison[i / every]!.value }], t.tradeTime);
    });
    const last = valid[valid.length - 1]!;
    producer.send(input, [{ key: 'BINANCE:BTCUSDT', value: serde.serialize({ ...last, tradeId: last.tradeId + 1, tradeTime: last.tradeTime + 600_000 }) }], last.tradeTime + 600_000);
    await producer.flush();
    await producer.close();

    const appId = uniqueName('poison-app');
    const from = await endOffsets('candles.1m');
    const app = AppProcess.start('processor', [], { INPUT_TOPIC: input, APPLICATION_ID: appId, STATE_DIR: join(work, 'state'), GRACE_MS: '0', METRICS_PORT: '0' });
    try {
      const dead = await eventually(async () => {
        if (app.exited) throw new Error(app.tail());
        const d = await readTopic(`${appId}-dlq`).catch(() => []);
        return d.length >= poison.length ? d : undefined;
      }, 60_000, 'dead letters');
      expect(dead).toHaveLength(poison.length);
      for (const [i, m] of dead.entries()) {
        expect(header(m.headers, 'dlq.source.topic')).toBe(input);
        expect(header(m.headers, 'dlq.source.partition')).toBe('0');
        expect(Number(header(m.headers, 'dlq.source.offset'))).toBeGreaterThanOrEqual(0);
        expect(header(m.headers, 'dlq.error.class')).toBeTruthy();
        expect(header(m.headers, 'dlq.error.reason') ?? '', JSON.stringify(m.headers)).toMatch(poison[i]!.reason);
        expect(m.value!.equals(poison[i]!.value)).toBe(true);
      }
      // Every valid trade made it into exactly the candles computed directly from them.
      const expected = new Map<number, CandleState>();
      for (const t of valid) {
        const start = t.tradeTime - (t.tradeTime % 60_000);
        expected.set(start, addTrade(expected.get(start) ?? emptyCandleState(), t));
      }
      const c1 = await candleSerde(registry, 'candles.1m');
      const got = await eventually(async () => {
        const cs = (await readTopic('candles.1m', { from })).filter((m) => m.key?.toString() === 'BINANCE:BTCUSDT').map((m) => c1.deserialize(m.value!));
        const mine = cs.filter((c) => expected.has(c.openTime));
        return mine.length >= expected.size ? mine : undefined;
      }, 60_000, 'candles of the valid trades');
      const text = (c: Candle) => JSON.stringify(c, (_k, v: unknown) => (typeof v === 'object' && v !== null && 'units' in v ? String(v) : v));
      for (const c of got) {
        const want = toCandle(expected.get(c.openTime)!, { exchange: 'BINANCE', symbol: 'BTCUSDT', pair: 'BTC-USDT', interval: '1m', openTime: c.openTime, closeTime: c.closeTime });
        expect(text(c)).toBe(text(want));
      }
    } finally {
      expect(await app.stop()).toBe(0);
    }
  });
});
