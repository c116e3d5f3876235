import { KafkaAdmin } from '@candlestream/kafka';
import { KafkaStreams, Serdes, StreamsBuilder } from '@candlestream/streams';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conn, createTopics, deleteTopicsContaining, produce, readAll, tempDir, uid, waitForCommittedEnd, type InputRecord } from './helpers.js';

const id = uid();
const input = `streams-poison-in-${id}`;
const output = `streams-poison-out-${id}`;
let admin: KafkaAdmin;
let stateDir: string;

beforeAll(async () => {
  admin = await KafkaAdmin.connect(conn);
  await createTopics(admin, [input, output], 3);
  stateDir = tempDir('streams-poison');
});

afterAll(async () => {
  await deleteTopicsContaining(admin, id);
  admin.close();
  rmSync(stateDir, { recursive: true, force: true });
});

describe('poison records on a real broker', () => {
  it('land on <app>-dlq with error and source headers; every good record is processed', async () => {
    const records: InputRecord[] = [];
    const malformed = new Set<number>();
    const throwing = new Set<number>();
    for (let i = 0; i < 3000; i++) {
      if (i % 97 === 5) {
        malformed.add(i);
        records.push({ key: `k${i % 11}`, value: `{"n": ${i}, oops`, timestamp: 1000 + i });
      } else if (i % 101 === 7) {
        throwing.add(i);
        records.push({ key: `k${i % 11}`, value: JSON.stringify({ n: -i }), timestamp: 1000 + i });
      } else {
        records.push({ key: `k${i % 11}`, value: JSON.stringify({ n: i }), timestamp: 1000 + i });
      }
    }
    await produce(input, records);

    const b = new StreamsBuilder();
    b.stream(input, Serdes.json<{ n: number }>())
      .mapValues((v) => {
        if (v.n < 0) throw new RangeError(`negative n ${v.n}`);
        return v.n;
      }, { name: 'check-sign' })
      .groupByKey()
      .aggregate(() => 0, (a, n) => a + 1 + 0 * n, { name: 'count', serde: Serdes.json<number>(), cache: false })
      .toStream()
      .to(output, Serdes.json<number>());
    const appId = `streams-poison-app-${id}`;
    const streams = new KafkaStreams(b.build(), { applicationId: appId, connection: conn, stateDir });
    await streams.start();
    await waitForCommittedEnd(admin, appId, input);
    await streams.close();

    const dlq = await readAll(admin, `${appId}-dlq`);
    expect(dlq).toHaveLength(malformed.size + throwing.size);
    const inputByPos = new Map((await readAll(admin, input)).map((r) => [`${r.partition}/${r.offset}`, r]));
    for (const d of dlq) {
      const src = inputByPos.get(`${d.headers['dlq.source.partition']}/${d.headers['dlq.source.offset']}`)!;
      expect(d.headers['dlq.source.topic']).toBe(input);
      expect(d.value).toBe(src.value); // the original bytes
      expect(d.key).toBe(src.key);
      expect(d.partition).toBe(src.partition);
      const n = JSON.parse(src.value!.replace(', oops', '}')) as { n: number };
      if (malformed.has(Math.abs(n.n))) {
        expect(d.headers['dlq.error.class']).toBe('SerdeError');
        expect(d.headers['dlq.error.reason']).toBe('decode-failed');
      } else {
        expect(throwing.has(-n.n)).toBe(true);
        expect(d.headers['dlq.error.class']).toBe('RangeError');
        expect(d.headers['dlq.error.message']).toBe(`negative n ${n.n}`);
        expect(d.headers['dlq.processor']).toBe('check-sign');
      }
    }
    // nothing else lost: one count update per good record, and the final counts add up
    const out = await readAll(admin, output);
    const good = records.length - malformed.size - throwing.size;
    expect(out).toHaveLength(good);
    const last = new Map<string, number>();
    for (const r of out) last.set(r.key!, Number(r.value));
    expect([...last.values()].reduce((a, b) => a + b, 0)).toBe(good);
  });
});
