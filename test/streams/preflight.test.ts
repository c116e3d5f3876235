import { KafkaAdmin } from '@candlestream/kafka';
import { KafkaStreams, PreflightError, Serdes, StreamsBuilder, StreamsConfigError } from '@candlestream/streams';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conn, createTopics, deleteTopicsContaining, tempDir, uid } from './helpers.js';

const id = uid();
const input = `streams-preflight-in-${id}`;
const output = `streams-preflight-out-${id}`;
let admin: KafkaAdmin;
const dirs: string[] = [];

function topology() {
  const b = new StreamsBuilder();
  b.stream(input, Serdes.string())
    .groupByKey()
    .aggregate(() => 0, (a) => a + 1, { name: 'counts', serde: Serdes.json<number>() })
    .toStream()
    .to(output, Serdes.json<number>());
  return b.build();
}

const start = async (appId: string) => {
  const stateDir = tempDir('streams-preflight');
  dirs.push(stateDir);
  const s = new KafkaStreams(topology(), { applicationId: appId, connection: conn, stateDir });
  return s.start().then(
    async () => {
      await s.close();
      return undefined;
    },
    (err: unknown) => err as Error,
  );
};

beforeAll(async () => {
  admin = await KafkaAdmin.connect(conn);
  await createTopics(admin, [input, output], 2);
});

afterAll(async () => {
  await deleteTopicsContaining(admin, id);
  admin.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('preflight', () => {
  it('creates compacted changelogs with the input partition count, then accepts them', async () => {
    const appId = `streams-preflight-ok-${id}`;
    expect(await start(appId)).toBeUndefined();
    const [desc] = await admin.describeTopics([`${appId}-counts-changelog`]);
    expect(desc!.partitions).toHaveLength(2);
    expect((await admin.describeConfigs([`${appId}-counts-changelog`])).get(`${appId}-counts-changelog`)?.get('cleanup.policy')).toBe('compact');
    expect(await start(appId)).toBeUndefined();
  });

  it('fails fast on a changelog with the wrong partitions or cleanup policy', async () => {
    const wrongParts = `streams-preflight-parts-${id}`;
    await admin.createTopic(`${wrongParts}-counts-changelog`, 3, { 'cleanup.policy': 'compact' });
    const e1 = await start(wrongParts);
    expect(e1).toBeInstanceOf(PreflightError);
    expect(e1!.message).toMatch(new RegExp(`${wrongParts}-counts-changelog.*3 partitions, expected 2`));

    const notCompacted = `streams-preflight-policy-${id}`;
    await admin.createTopic(`${notCompacted}-counts-changelog`, 2, { 'cleanup.policy': 'delete' });
    const e2 = await start(notCompacted);
    expect(e2).toBeInstanceOf(PreflightError);
    expect(e2!.message).toContain('cleanup.policy=delete, expected compact');
  });

  it('names missing topics, and rejects bad configuration before touching Kafka', async () => {
    const b = new StreamsBuilder();
    b.stream(`streams-preflight-missing-${id}`, Serdes.string()).to(`streams-preflight-nosink-${id}`, Serdes.string());
    const stateDir = tempDir('streams-preflight');
    dirs.push(stateDir);
    const s = new KafkaStreams(b.build(), { applicationId: `streams-preflight-missing-${id}`, connection: conn, stateDir });
    const err = await s.start().catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(PreflightError);
    expect(err!.message).toContain(`source topic streams-preflight-missing-${id} does not exist`);
    expect(err!.message).toContain(`sink topic streams-preflight-nosink-${id} does not exist`);
    expect(() => new KafkaStreams(topology(), { applicationId: 'bad id!', connection: conn, stateDir })).toThrow(StreamsConfigError);
    expect(() => new KafkaStreams(topology(), { applicationId: 'x', connection: conn, stateDir, commitIntervalMs: 0 })).toThrow(/commitIntervalMs/);
  });
});
