import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/apps.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
// A second, throw-away stack on free ports, so neither the shared stack the other tests use nor
// anything else running on this machine is touched.
const dir = mkdtempSync(join(tmpdir(), 'candlestream-stack-'));
const [kafkaPort, controllerPort, registryPort] = [await freePort(), await freePort(), await freePort()];
const env = {
  ...process.env,
  CANDLESTREAM_STACK_DIR: dir,
  CANDLESTREAM_KAFKA_PORT: String(kafkaPort),
  CANDLESTREAM_CONTROLLER_PORT: String(controllerPort),
  CANDLESTREAM_REGISTRY_PORT: String(registryPort),
};
const run = (script: string): string =>
  execFileSync('bash', [`deploy/local/${script}`], { cwd: ROOT, env, encoding: 'utf8', timeout: 150_000 });
const pidOf = (name: string): number => Number(readFileSync(join(dir, `${name}.pid`), 'utf8'));
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const portOpen = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });

afterAll(() => {
  run('stack-down.sh');
  rmSync(dir, { recursive: true, force: true });
});

describe('local stack scripts', () => {
  it('stack:up twice is harmless and stack:down leaves no process behind', async () => {
    run('stack-up.sh');
    const kafka = pidOf('kafka');
    const registry = pidOf('registry');
    expect(await portOpen(kafkaPort)).toBe(true);
    expect(await portOpen(registryPort)).toBe(true);

    const second = run('stack-up.sh');
    expect(second).toMatch(/kafka already running/);
    expect(second).toMatch(/schema registry already running/);
    expect(pidOf('kafka')).toBe(kafka);
    expect(pidOf('registry')).toBe(registry);

    run('stack-down.sh');
    expect(alive(kafka)).toBe(false);
    expect(alive(registry)).toBe(false);
    expect(await portOpen(kafkaPort)).toBe(false);
    expect(await portOpen(registryPort)).toBe(false);
    expect(run('stack-down.sh')).toMatch(/down/); // down twice is harmless too
  });
});
