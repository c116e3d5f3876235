import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/apps.js';

describe('Prometheus configuration', () => {
  it('passes promtool check config (compose and local)', () => {
    const out = execFileSync('promtool', ['check', 'config', 'deploy/prometheus/prometheus.compose.yml', 'deploy/prometheus/prometheus.local.yml'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(out.match(/SUCCESS/g)).toHaveLength(2);
  });

  it('scrapes every app at the metrics port the compose file gives it, and Redpanda', () => {
    const prom = parse(readFileSync(`${ROOT}/deploy/prometheus/prometheus.compose.yml`, 'utf8')) as {
      scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
    };
    const targets = prom.scrape_configs.flatMap((s) => s.static_configs.flatMap((c) => c.targets));
    const compose = parse(readFileSync(`${ROOT}/docker-compose.yml`, 'utf8'), { merge: true }) as {
      services: Record<string, { environment?: Record<string, string> }>;
    };
    for (const app of ['producer', 'processor', 'compactor']) {
      expect(targets).toContain(`${app}:${compose.services[app]!.environment!.METRICS_PORT}`);
    }
    expect(targets).toContain('redpanda:9644');
  });
});
