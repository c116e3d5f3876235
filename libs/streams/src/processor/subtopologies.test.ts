import { afterEach, describe, expect, it } from 'vitest';
import { StreamsBuilder } from '../dsl/streams-builder.js';
import { TimeWindows, type Windowed } from '../dsl/time-windows.js';
import { Serdes } from '../serde.js';
import { Stores } from '../state/store-builders.js';
import type { KeyValueStore } from '../state/stores.js';
import { TopologyTestDriver } from '../testing/topology-test-driver.js';
import type { Processor, ProcessorContext } from './processor.js';
import type { StreamRecord } from './record.js';
import { Topology } from './topology.js';

const MIN = 60_000;
const json = Serdes.json<number>();

let driver: TopologyTestDriver | undefined;
afterEach(() => driver?.close());

/** Counts per key and 1-minute window (grace 0) of `topic`, into store `name`. */
function countPerMinute(b: StreamsBuilder, topic: string, name: string): void {
  b.stream(topic, json)
    .groupByKey()
    .windowedBy(TimeWindows.tumbling(MIN))
    .aggregate(() => 0, (n) => n + 1, { name, serde: json, cache: false })
    .toStream('close')
    .to(`${name}-final`, Serdes.json<Windowed<number>>());
}

class Remember implements Processor<number, never> {
  private ctx!: ProcessorContext<never>;
  init(ctx: ProcessorContext<never>): void {
    this.ctx = ctx;
  }
  process(r: StreamRecord<number>): void {
    this.ctx.getStateStore<KeyValueStore<number>>('shared').put(r.key ?? '', r.value);
  }
}

describe('sub-topologies', () => {
  it('are the connected parts of the topology; a shared store joins two parts', () => {
    const b = new StreamsBuilder();
    countPerMinute(b, 'a', 'counts-a');
    countPerMinute(b, 'b', 'counts-b');
    const two = b.build();
    expect(two.subtopologies.map((s) => [s.id, s.sourceTopics, s.stores.map((x) => x.name)])).toEqual([
      [0, ['a'], ['counts-a']],
      [1, ['b'], ['counts-b']],
    ]);
    expect(two.describe().toString()).toMatch(/Sub-topology: 0\n {4}Source: \S+ \(topic: a\)[\s\S]*Sub-topology: 1\n {4}Source: \S+ \(topic: b\)/);

    const joined = new Topology()
      .addSource('sa', 'a', json)
      .addSource('sb', 'b', json)
      .addProcessor('pa', () => new Remember(), 'sa')
      .addProcessor('pb', () => new Remember(), 'sb')
      .addStateStore(Stores.keyValue('shared', json), 'pa', 'pb');
    expect(joined.subtopologies.map((s) => s.sourceTopics)).toEqual([['a', 'b']]);

    const merged = new StreamsBuilder();
    merged.stream('a', json).merge(merged.stream('b', json)).to('out', json);
    expect(merged.build().subtopologies).toHaveLength(1);
  });

  it('keep their own stream time: records of another sub-topology do not make this one late', () => {
    const b = new StreamsBuilder();
    countPerMinute(b, 'a', 'counts-a');
    countPerMinute(b, 'b', 'counts-b');
    driver = new TopologyTestDriver(b.build());
    driver.createInputTopic('b', json).pipeInput('k', 1, 10 * MIN); // far ahead on partition 0 of b
    driver.createInputTopic('a', json).pipeInput('k', 1, 5_000); // same partition number of a: on time
    driver.createInputTopic('a', json).pipeInput('k', 1, MIN + 1); // closes a's first window
    expect(driver.stats(0, 0)).toMatchObject({ late: {}, streamTime: MIN + 1 });
    expect(driver.stats(0, 1)).toMatchObject({ late: {}, streamTime: 10 * MIN });
    expect(driver.createOutputTopic('counts-a-final', Serdes.json<Windowed<number>>()).readValuesToList()).toEqual([
      { key: 'k', start: 0, end: MIN, value: 1 },
    ]);
  });

  it('a repartition through to() and stream() runs in the next sub-topology, right after its cause', () => {
    const b = new StreamsBuilder();
    b.stream('trades', Serdes.string())
      .map((v) => ({ key: v.split(':')[0]!, value: Number(v.split(':')[1]) }))
      .to('by-pair', json);
    countPerMinute(b, 'by-pair', 'per-pair');
    const topology = b.build();
    expect(topology.subtopologies.map((s) => s.sourceTopics)).toEqual([['trades'], ['by-pair']]);
    driver = new TopologyTestDriver(topology);
    const trades = driver.createInputTopic('trades', Serdes.string());
    trades.pipeInput('X:BTCUSDT', 'BTCUSDT:1', 1_000, { partition: 3 });
    trades.pipeInput('Y:BTCUSDT', 'BTCUSDT:2', 2_000, { partition: 1 });
    expect(driver.getWindowStore<number>('per-pair', 0).all()).toEqual([{ key: 'BTCUSDT', start: 0, value: 2 }]);
    trades.pipeInput('X:BTCUSDT', 'BTCUSDT:3', MIN, { partition: 3 });
    expect(driver.createOutputTopic('per-pair-final', Serdes.json<Windowed<number>>()).readValuesToList()).toEqual([
      { key: 'BTCUSDT', start: 0, end: MIN, value: 2 },
    ]);
    expect(driver.createOutputTopic('by-pair', json).readKeyValuesToList()).toHaveLength(3);
  });
});
