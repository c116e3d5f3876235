import { describe, expect, it } from 'vitest';
import { resolveStreamsConfig } from './config.js';
import { StreamsConfigError } from './errors.js';
import { internalTopicName } from './internals/topic-names.js';

const base = { applicationId: 'candles', connection: { brokers: '127.0.0.1:19092', registryUrl: 'http://x' }, stateDir: '/var/lib/candles' };

describe('StreamsConfig', () => {
  it('fills defaults in one place and derives a stable instance id from the state dir', () => {
    const c = resolveStreamsConfig(base);
    expect(c).toMatchObject({ eos: true, commitIntervalMs: 100, maxBatchRecords: 5000, sessionTimeoutMs: 45_000, deadLetterQueue: true, idleAdvance: undefined });
    expect(c.groupInstanceId).toMatch(/^candles-[0-9a-f]{12}$/);
    expect(resolveStreamsConfig(base).groupInstanceId).toBe(c.groupInstanceId);
    expect(resolveStreamsConfig({ ...base, stateDir: '/other' }).groupInstanceId).not.toBe(c.groupInstanceId);
    expect(c.transactionalId).toBe(`candles:${c.groupInstanceId}`);
    expect(resolveStreamsConfig({ ...base, processingGuarantee: 'at_least_once' }).eos).toBe(false);
  });

  it('rejects invalid values with StreamsConfigError', () => {
    expect(() => resolveStreamsConfig({ ...base, applicationId: 'has space' })).toThrow(StreamsConfigError);
    expect(() => resolveStreamsConfig({ ...base, commitIntervalMs: -1 })).toThrow(/commitIntervalMs/);
    expect(() => resolveStreamsConfig({ ...base, sessionTimeoutMs: 6000, heartbeatIntervalMs: 3000 })).toThrow(/heartbeatIntervalMs/);
    expect(() => resolveStreamsConfig({ ...base, idleAdvance: { idleMs: 0, maxOutOfOrdernessMs: 0 } })).toThrow(/idleAdvance/);
  });

  it('names internal topics in one function', () => {
    expect(internalTopicName('candles', { kind: 'changelog', store: 'c1m' })).toBe('candles-c1m-changelog');
    expect(internalTopicName('candles', { kind: 'dlq' })).toBe('candles-dlq');
    expect(internalTopicName('candles', { kind: 'late' })).toBe('candles-late');
  });
});
