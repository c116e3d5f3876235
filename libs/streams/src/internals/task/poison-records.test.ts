import { SerdeError } from '@candlestream/kafka';
import { afterEach, describe, expect, it } from 'vitest';
import { StreamsBuilder } from '../../dsl/streams-builder.js';
import { Serdes, type Serde } from '../../serde.js';
import { TopologyTestDriver } from '../../testing/topology-test-driver.js';

let driver: TopologyTestDriver | undefined;
afterEach(() => driver?.close());

const header = (headers: Record<string, string | Buffer>[], name: string): string | undefined => {
  const h = headers.find((x) => name in x);
  return h === undefined ? undefined : String(h[name]);
};

describe('poison records', () => {
  it('sends undecodable records and processor failures to the DLQ with headers, and goes on', () => {
    const b = new StreamsBuilder();
    b.stream('in', Serdes.json<{ n: number }>())
      .mapValues((v) => {
        if (v.n < 0) throw new RangeError(`negative ${v.n}`);
        return v.n * 2;
      }, { name: 'double' })
      .to('out', Serdes.json<number>());
    driver = new TopologyTestDriver(b.build());
    const input = driver.createInputTopic('in', Serdes.json<{ n: number }>());
    input.pipeInput('k', { n: 1 }, 1);
    driver.pipeRaw('in', 'k', Buffer.from('{not json'), 2);
    input.pipeInput('k', { n: -5 }, 3);
    driver.pipeRaw('in', 'k', null, 4);
    input.pipeInput('k', { n: 2 }, 5);
    expect(driver.createOutputTopic('out', Serdes.json<number>()).readValuesToList()).toEqual([2, 4]);
    const dlq = driver.createOutputTopic(driver.dlqTopic, Serdes.buffer()).readRecordsToList();
    expect(dlq).toHaveLength(3);
    expect(dlq[0]!.value.toString()).toBe('{not json');
    expect(header(dlq[0]!.headers, 'dlq.error.class')).toBe('SerdeError');
    expect(header(dlq[0]!.headers, 'dlq.error.reason')).toBe('decode-failed');
    expect(header(dlq[0]!.headers, 'dlq.source.topic')).toBe('in');
    expect(header(dlq[0]!.headers, 'dlq.source.partition')).toBe('0');
    expect(header(dlq[0]!.headers, 'dlq.source.offset')).toBe('1');
    expect(header(dlq[1]!.headers, 'dlq.error.class')).toBe('RangeError');
    expect(header(dlq[1]!.headers, 'dlq.error.message')).toBe('negative -5');
    expect(header(dlq[1]!.headers, 'dlq.processor')).toBe('double');
    expect(header(dlq[2]!.headers, 'dlq.error.reason')).toBe('null-value');
    expect(driver.stats()).toMatchObject({ processed: 2, deadLettered: 3 });
  });

  it('treats an invalid event time as poison', () => {
    const b = new StreamsBuilder();
    b.stream('in', Serdes.json<{ t: number }>(), { timestamp: (v) => v.t }).to('out', Serdes.json<{ t: number }>());
    driver = new TopologyTestDriver(b.build());
    driver.createInputTopic('in', Serdes.json<{ t: unknown }>()).pipeInput('k', { t: 'yesterday' }, 1);
    const dlq = driver.createOutputTopic(driver.dlqTopic, Serdes.buffer()).readRecordsToList();
    expect(header(dlq[0]!.headers, 'dlq.error.reason')).toBe('invalid-timestamp');
  });

  it("awaits a serde's prepare hook only for the records it flags", async () => {
    const known = new Set<number>([1]);
    let prepared = 0;
    // A stand-in for an Avro serde: first byte = schema id, unknown ids must be "fetched" first.
    const serde: Serde<string> = {
      serialize: (v) => Buffer.from(v),
      deserialize(b) {
        if (!known.has(b[0]!)) throw new SerdeError(`schema id ${b[0]} not learned yet`, 'unknown-schema-id');
        return b.subarray(1).toString();
      },
      prepare(b) {
        if (known.has(b[0]!)) return undefined;
        if (b[0] === 9) return Promise.reject(new SerdeError('schema 9 is incompatible', 'incompatible-writer'));
        return new Promise((resolve) =>
          setTimeout(() => {
            known.add(b[0]!);
            prepared++;
            resolve();
          }, 5),
        );
      },
    };
    const b = new StreamsBuilder();
    b.stream('in', serde).to('out', Serdes.string());
    driver = new TopologyTestDriver(b.build());
    await driver.pipeRawAsync('in', 'k', Buffer.from('\x01one'), 1);
    await driver.pipeRawAsync('in', 'k', Buffer.from('\x02two'), 2);
    await driver.pipeRawAsync('in', 'k', Buffer.from('\x02too'), 3);
    await driver.pipeRawAsync('in', 'k', Buffer.from('\x09bad'), 4);
    expect(prepared).toBe(1);
    expect(driver.createOutputTopic('out', Serdes.string()).readValuesToList()).toEqual(['one', 'two', 'too']);
    const dlq = driver.createOutputTopic(driver.dlqTopic, Serdes.buffer()).readRecordsToList();
    expect(dlq.map((r) => header(r.headers, 'dlq.error.reason'))).toEqual(['incompatible-writer']);
    expect(() => driver!.pipeRaw('in', 'k', Buffer.from('\x03new'), 5)).toThrow(/pipeRawAsync/);
  });
});
