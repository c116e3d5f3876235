import { afterEach, describe, expect, it } from 'vitest';
import { StreamsBuilder } from '../dsl/streams-builder.js';
import { Serdes } from '../serde.js';
import { Stores } from '../state/store-builders.js';
import type { KeyValueStore } from '../state/stores.js';
import { TopologyTestDriver } from '../testing/topology-test-driver.js';
import type { Processor, ProcessorContext } from './processor.js';
import type { StreamRecord } from './record.js';
import { Topology } from './topology.js';

let driver: TopologyTestDriver | undefined;
afterEach(() => driver?.close());

/** Per-key running max with a stream-time "heartbeat" and a wall-clock report: the shape of an indicator processor. */
class MaxProcessor implements Processor<number, string> {
  private ctx!: ProcessorContext<string>;
  private store!: KeyValueStore<number>;
  init(ctx: ProcessorContext<string>): void {
    this.ctx = ctx;
    this.store = ctx.getStateStore<KeyValueStore<number>>('max');
    ctx.schedule(1000, 'stream-time', (t) => ctx.forward({ key: 'tick', value: `stream ${t}`, timestamp: t }, 'ticks'));
    ctx.schedule(5000, 'wall-clock', (t) => ctx.forward({ key: 'wall', value: `wall ${t}`, timestamp: t }, 'ticks'));
  }
  process(r: StreamRecord<number>): void {
    const prev = this.store.get(r.key!) ?? -Infinity;
    if (r.value > prev) {
      this.store.put(r.key!, r.value, r.timestamp);
      this.ctx.forward({ key: r.key, value: `${r.key}=${r.value}@${this.ctx.recordMetadata()?.offset}`, timestamp: r.timestamp }, 'maxima');
    }
  }
}

function topology(): Topology {
  return new Topology()
    .addSource('src', 'in', Serdes.json<number>())
    .addProcessor('max', () => new MaxProcessor(), 'src')
    .addStateStore(Stores.keyValue('max', Serdes.json<number>()), 'max')
    .addSink('maxima', 'out', Serdes.string(), 'max')
    .addSink('ticks', 'ticks', Serdes.string(), 'max');
}

describe('processor API', () => {
  it('runs a stateful processor with named children and both punctuation types', () => {
    driver = new TopologyTestDriver(topology(), { wallClockMs: 0 });
    const input = driver.createInputTopic('in', Serdes.json<number>());
    const out = driver.createOutputTopic('out', Serdes.string());
    const ticks = driver.createOutputTopic('ticks', Serdes.string());
    input.pipeInput('x', 5, 100);
    input.pipeInput('x', 3, 900);
    input.pipeInput('x', 9, 2500);
    input.pipeInput('y', 1, 2600);
    expect(out.readValuesToList()).toEqual(['x=5@0', 'x=9@2', 'y=1@3']);
    // stream-time: first at the first record, then at each multiple of 1 s that stream time reaches
    expect(ticks.readValuesToList()).toEqual(['stream 100', 'stream 2500']);
    driver.advanceWallClockTime(4999);
    expect(ticks.readValuesToList()).toEqual([]);
    driver.advanceWallClockTime(1);
    expect(ticks.readValuesToList()).toEqual(['wall 5000']);
    expect(driver.getKeyValueStore<number>('max').all()).toEqual([
      { key: 'x', value: 9 },
      { key: 'y', value: 1 },
    ]);
  });

  it('keeps one task (and store) per partition', () => {
    driver = new TopologyTestDriver(topology());
    const input = driver.createInputTopic('in', Serdes.json<number>());
    input.pipeInput('x', 5, 1, { partition: 0 });
    input.pipeInput('x', 7, 1, { partition: 1 });
    expect(driver.getKeyValueStore<number>('max', 0).get('x')).toBe(5);
    expect(driver.getKeyValueStore<number>('max', 1).get('x')).toBe(7);
  });

  it('describes itself', () => {
    const text = topology().describe().toString();
    expect(text).toContain('Source: src (topic: in)');
    expect(text).toContain('Processor: max (stores: [max])');
    expect(text).toContain('--> maxima, ticks');
    expect(text).toContain('Sink: ticks (topic: ticks)');
    expect(text).toContain('max (key-value store, cache on, changelog on)');
  });

  it('refuses wiring mistakes', () => {
    expect(() => new Topology().addProcessor('p', () => new MaxProcessor(), 'nope')).toThrow(/unknown parent nope/);
    const t = new Topology().addSource('s', 'in', Serdes.string());
    expect(() => t.addSource('s2', 'in', Serdes.string())).toThrow(/already has source/);
    expect(() => new Topology().validate()).toThrow(/no source/);
  });

  it('a processor reaching a store it is not connected to fails the record', () => {
    const b = new StreamsBuilder();
    b.stream('in', Serdes.string()).process<string>(() => ({
      init(ctx) {
        ctx.getStateStore('nope');
      },
      process() {},
    }));
    expect(() => new TopologyTestDriver(b.build()).createInputTopic('in', Serdes.string()).pipeInput('k', 'v', 1)).toThrow(/not connected to store nope/);
  });
});

describe('DSL stateless operators and key-value aggregation', () => {
  it('map / filter / flatMap / merge feed a running aggregate; cache off forwards every update', () => {
    const b = new StreamsBuilder();
    const lines = b.stream('lines', Serdes.string());
    const words = lines.flatMap((line) => line.split(' ').filter(Boolean).map((w) => ({ key: w, value: 1 })));
    const extra = b.stream('extra', Serdes.string()).map((v) => ({ key: v, value: 10 }));
    words
      .merge(extra)
      .filter((_v, k) => k !== 'the')
      .groupByKey()
      .aggregate(() => 0, (a, v) => a + v, { name: 'counts', serde: Serdes.json<number>(), cache: false })
      .toStream()
      .mapValues((n, k) => `${k}:${n}`)
      .to('counts', Serdes.string());
    driver = new TopologyTestDriver(b.build());
    driver.createInputTopic('lines', Serdes.string()).pipeInput(null, 'the cat the hat cat', 1);
    driver.createInputTopic('extra', Serdes.string()).pipeInput(null, 'cat', 2);
    expect(driver.createOutputTopic('counts', Serdes.string()).readValuesToList()).toEqual(['cat:1', 'hat:1', 'cat:2', 'cat:12']);
    expect(driver.getKeyValueStore<number>('counts').range('a', 'd')).toEqual([{ key: 'cat', value: 12 }]);
  });
});
