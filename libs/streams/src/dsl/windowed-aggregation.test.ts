import { afterEach, describe, expect, it } from 'vitest';
import { Serdes } from '../serde.js';
import { TopologyTestDriver } from '../testing/topology-test-driver.js';
import { StreamsBuilder } from './streams-builder.js';
import { TimeWindows, type Windowed } from './time-windows.js';

const MIN = 60_000;
const sum = (agg: number, v: number): number => agg + v;

function windowedSum(windows: TimeWindows, opts: { cache?: boolean; forwardLate?: boolean } = {}) {
  const b = new StreamsBuilder();
  const table = b
    .stream('in', Serdes.json<number>())
    .groupByKey()
    .windowedBy(windows)
    .aggregate(() => 0, sum, { name: 'sums', serde: Serdes.json<number>(), cache: opts.cache ?? false, forwardLate: opts.forwardLate ?? false });
  table.toStream('close').to('final', Serdes.json<Windowed<number>>());
  table.toStream('update').to('updates', Serdes.json<Windowed<number>>());
  return b.build();
}

let driver: TopologyTestDriver | undefined;
afterEach(() => driver?.close());

function setup(windows: TimeWindows, opts: { cache?: boolean; forwardLate?: boolean; commitEveryRecord?: boolean } = {}) {
  driver = new TopologyTestDriver(windowedSum(windows, opts), { commitEveryRecord: opts.commitEveryRecord ?? true });
  return {
    driver,
    input: driver.createInputTopic('in', Serdes.json<number>()),
    final: driver.createOutputTopic('final', Serdes.json<Windowed<number>>()),
    updates: driver.createOutputTopic('updates', Serdes.json<Windowed<number>>()),
  };
}

describe('tumbling windows', () => {
  it('emits one final result per window when stream time passes its end, aligned to the epoch', () => {
    const { input, final, driver: d } = setup(TimeWindows.tumbling(MIN));
    input.pipeInput('a', 1, 10);
    input.pipeInput('a', 2, MIN - 1);
    input.pipeInput('b', 5, 30_000);
    expect(final.readRecordsToList()).toEqual([]);
    input.pipeInput('a', 3, MIN); // stream time reaches the end of [0, 60000): it closes
    expect(final.readRecordsToList()).toEqual([
      { key: 'a', value: { key: 'a', start: 0, end: MIN, value: 3 }, timestamp: MIN - 1, headers: [] },
      { key: 'b', value: { key: 'b', start: 0, end: MIN, value: 5 }, timestamp: MIN - 1, headers: [] },
    ]);
    input.pipeInput('a', 4, 2 * MIN + 5);
    expect(final.readKeyValuesToList()).toEqual([{ key: 'a', value: { key: 'a', start: MIN, end: 2 * MIN, value: 3 } }]);
    // closed windows leave the store; the open one stays
    expect(d.getWindowStore<number>('sums').all()).toEqual([{ key: 'a', start: 2 * MIN, value: 4 }]);
  });

  it('counts late records, does not apply them and never emits a second final', () => {
    const { input, final, updates, driver: d } = setup(TimeWindows.tumbling(MIN));
    input.pipeInput('a', 1, 1000);
    input.pipeInput('a', 1, MIN + 1000); // closes [0, 1m)
    expect(final.readValuesToList()).toHaveLength(1);
    updates.readRecordsToList();
    input.pipeInput('a', 100, 2000); // late: its only window is closed
    expect(d.stats().late).toEqual({ sums: 1 });
    expect(updates.readRecordsToList()).toEqual([]);
    input.pipeInput('a', 1, 2 * MIN + 1);
    expect(final.readValuesToList()).toEqual([{ key: 'a', start: MIN, end: 2 * MIN, value: 1 }]);
    expect(d.getWindowStore<number>('sums').fetch('a', 0)).toBeUndefined();
  });

  it('applies out-of-order records within grace, and closes at end + grace', () => {
    const { input, final, driver: d } = setup(TimeWindows.tumbling(MIN, 10_000));
    input.pipeInput('a', 1, 50_000);
    input.pipeInput('a', 1, MIN + 5_000); // stream time 65 s: [0,60 s) still open (closes at 70 s)
    input.pipeInput('a', 10, 20_000); // out of order, within grace: updates [0, 60 s)
    expect(final.readValuesToList()).toEqual([]);
    input.pipeInput('a', 1, MIN + 10_000); // stream time 70 s = end + grace: closes
    expect(final.readValuesToList()).toEqual([{ key: 'a', start: 0, end: MIN, value: 11 }]);
    input.pipeInput('a', 1000, 59_999); // late now
    expect(d.stats().late).toEqual({ sums: 1 });
    input.pipeInput('a', 0, 3 * MIN);
    expect(final.readValuesToList()).toEqual([{ key: 'a', start: MIN, end: 2 * MIN, value: 2 }]);
  });

  it('forwards late records to the late topic with headers when asked', () => {
    const { input, driver: d } = setup(TimeWindows.tumbling(MIN), { forwardLate: true });
    input.pipeInput('a', 1, MIN + 1);
    input.pipeInput('a', 7, 5);
    const late = d.createOutputTopic(d.lateTopic, Serdes.json<number>()).readRecordsToList();
    expect(late).toHaveLength(1);
    expect(late[0]!.value).toBe(7);
    expect(late[0]!.headers).toContainEqual({ 'late.store': 'sums' });
    expect(late[0]!.headers).toContainEqual({ 'late.source.offset': '1' });
  });
});

describe('hopping windows', () => {
  it('puts a record in every window that contains it and finalises each once', () => {
    const { input, final } = setup(TimeWindows.hopping(MIN, 20_000));
    input.pipeInput('a', 1, 45_000); // windows starting at 0, 20 s, 40 s
    input.pipeInput('a', 10, 65_000); // windows 20 s, 40 s, 60 s; stream time 65 s closes [0, 60 s)
    expect(final.readValuesToList()).toEqual([{ key: 'a', start: 0, end: MIN, value: 1 }]);
    input.pipeInput('a', 100, 10_000); // its windows: 0 (closed) and -20 s (closed) -> late
    input.pipeInput('a', 1000, 25_000); // windows 0 (closed) and 20 s (open): applied to 20 s only
    input.pipeInput('a', 0, 200_000);
    expect(final.readValuesToList()).toEqual([
      { key: 'a', start: 20_000, end: 80_000, value: 1011 },
      { key: 'a', start: 40_000, end: 100_000, value: 11 },
      { key: 'a', start: 60_000, end: 120_000, value: 10 },
    ]);
    expect(driver!.stats().late).toEqual({ sums: 1 });
  });

  it('lists windows of a timestamp, epoch-aligned', () => {
    expect(TimeWindows.hopping(MIN, 20_000).startsFor(45_000)).toEqual([40_000, 20_000, 0]);
    expect(TimeWindows.tumbling(MIN).startsFor(MIN)).toEqual([MIN]);
    expect(() => TimeWindows.hopping(MIN, 2 * MIN)).toThrow(/advance/);
  });
});

describe('emit modes', () => {
  it('cache off: every update is forwarded at once; the last revision equals the final', () => {
    const { input, final, updates } = setup(TimeWindows.tumbling(MIN), { cache: false, commitEveryRecord: false });
    input.pipeInput('a', 1, 1);
    input.pipeInput('a', 2, 2);
    input.pipeInput('a', 3, 3);
    expect(updates.readValuesToList().map((w) => w.value)).toEqual([1, 3, 6]);
    input.pipeInput('z', 0, MIN);
    expect(final.readValuesToList().filter((w) => w.key === 'a')).toEqual([{ key: 'a', start: 0, end: MIN, value: 6 }]);
  });

  it('cache on: one update per changed window per commit, and the pending revision before the final', () => {
    const { input, final, updates, driver: d } = setup(TimeWindows.tumbling(MIN), { cache: true, commitEveryRecord: false });
    input.pipeInput('a', 1, 1);
    input.pipeInput('a', 2, 2);
    input.pipeInput('b', 5, 3);
    expect(updates.readValuesToList()).toEqual([]);
    d.commit();
    expect(updates.readValuesToList().map((w) => [w.key, w.value])).toEqual([['a', 3], ['b', 5]]);
    d.commit();
    expect(updates.readValuesToList()).toEqual([]); // nothing changed
    input.pipeInput('a', 4, 4);
    input.pipeInput('z', 0, MIN); // closes [0, 1m) before any commit: the pending revision of a comes first
    expect(updates.readValuesToList().map((w) => [w.key, w.value])).toEqual([['a', 7]]);
    expect(final.readValuesToList().map((w) => [w.key, w.value])).toEqual([['a', 7], ['b', 5]]);
    d.commit();
    expect(updates.readValuesToList().map((w) => [w.key, w.start, w.value])).toEqual([['z', MIN, 0]]);
  });

  it('one stream feeds two windowed aggregations and several sinks (branching)', () => {
    const b = new StreamsBuilder();
    const trades = b.stream('trades', Serdes.json<{ p: number }>());
    for (const [name, size] of [['1m', MIN], ['5m', 5 * MIN]] as const) {
      const t = trades
        .groupByKey()
        .windowedBy(TimeWindows.tumbling(size))
        .aggregate(() => ({ n: 0, hi: 0 }), (a, v) => ({ n: a.n + 1, hi: Math.max(a.hi, v.p) }), {
          name: `agg-${name}`,
          serde: Serdes.json<{ n: number; hi: number }>(),
        });
      t.toStream('close').to(`candles.${name}`, Serdes.json<Windowed<{ n: number; hi: number }>>());
      t.toStream('update').to(`candles.${name}.updates`, Serdes.json<Windowed<{ n: number; hi: number }>>());
    }
    driver = new TopologyTestDriver(b.build());
    const input = driver.createInputTopic('trades', Serdes.json<{ p: number }>());
    for (let i = 0; i < 11; i++) input.pipeInput('BTC', { p: i }, i * MIN);
    const one = driver.createOutputTopic('candles.1m', Serdes.json<Windowed<{ n: number; hi: number }>>()).readValuesToList();
    const five = driver.createOutputTopic('candles.5m', Serdes.json<Windowed<{ n: number; hi: number }>>()).readValuesToList();
    expect(one).toHaveLength(10);
    expect(five.map((w) => [w.start, w.value])).toEqual([[0, { n: 5, hi: 4 }], [5 * MIN, { n: 5, hi: 9 }]]);
    expect(driver.createOutputTopic('candles.5m.updates', Serdes.json<unknown>()).readValuesToList()).toHaveLength(11);
    expect(b.build().describe().toString()).toContain('Sink: KSTREAM-SINK');
  });
});

describe('idle partitions (live mode)', () => {
  it('advances stream time from the wall clock only when configured, closing the last window', () => {
    for (const idleAdvance of [undefined, { idleMs: 5_000, maxOutOfOrdernessMs: 1_000 }]) {
      const d = new TopologyTestDriver(windowedSum(TimeWindows.tumbling(MIN)), { wallClockMs: 10_000, ...(idleAdvance ? { idleAdvance } : {}) });
      const input = d.createInputTopic('in', Serdes.json<number>());
      const final = d.createOutputTopic('final', Serdes.json<Windowed<number>>());
      input.pipeInput('a', 1, 10_000);
      d.advanceWallClockTime(4_000); // idle 4 s: not yet
      d.advanceWallClockTime(MIN); // wall clock 74 s: stream time -> 73 s with the idle advance
      expect(final.readValuesToList()).toEqual(idleAdvance ? [{ key: 'a', start: 0, end: MIN, value: 1 }] : []);
      expect(d.stats().streamTime).toBe(idleAdvance ? 73_000 : 10_000);
      d.close();
    }
  });
});
