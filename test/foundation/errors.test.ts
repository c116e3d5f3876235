import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BrokerUnavailableError, KafkaAdmin, RegistryUnavailableError } from '@candlestream/kafka';
import { pipelineRegistry, tradeSerde } from '@candlestream/pipeline';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DEAD = { brokers: '127.0.0.1:1', registryUrl: 'http://127.0.0.1:59999/apis/ccompat/v7' };

/** Runs the producer CLI the way a user does, with the environment given. */
function producerCli(args: string[], env: Record<string, string>) {
  return spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', 'apps/producer/src/main.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe('a stack that is not there gives one actionable line', () => {
  it('broker down: BrokerUnavailableError naming the address and the fix, within the timeout', async () => {
    const started = Date.now();
    const err = await KafkaAdmin.connect({ ...DEAD, registryUrl: '' }, { timeoutMs: 2000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BrokerUnavailableError);
    expect((err as Error).message).toMatch(/127\.0\.0\.1:1.*stack:up/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('bad registry URL: RegistryUnavailableError saying connection refused', async () => {
    const registry = pipelineRegistry(DEAD.registryUrl);
    await expect(registry.ping()).rejects.toThrow(RegistryUnavailableError);
    await expect(tradeSerde(registry, 'trades')).rejects.toThrow(/connection refused/);
  });

  it('the CLI prints a single error line and exits 2, for a dead broker and for a dead registry', () => {
    const cases: Record<string, string>[] = [
      { KAFKA_BROKERS: DEAD.brokers },
      { SCHEMA_REGISTRY_URL: DEAD.registryUrl },
      { SCHEMA_REGISTRY_URL: 'not a url' },
    ];
    for (const env of cases) {
      const res = producerCli(['init'], env);
      expect(res.status, res.stderr).toBe(2);
      const errorLines = res.stderr.split('\n').filter((l) => l.startsWith('error:'));
      expect(errorLines, res.stderr).toHaveLength(1);
      expect(res.stderr).not.toMatch(/\n\s+at /); // no stack dump
    }
  });
});
