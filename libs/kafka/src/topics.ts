import type { KafkaAdmin } from './admin.js';
import { TopicMismatchError } from './errors.js';

/** A topic as the pipeline needs it. Configs listed here are checked on existing topics too. */
export interface TopicSpec {
  name: string;
  partitions: number;
  config: Record<string, string>;
}

export interface EnsureResult {
  created: string[];
  verified: string[];
}

/**
 * Creates the topics that are missing and verifies the ones that exist (partition count and every
 * listed config), idempotently. A mismatch fails with what differs, because silently running on,
 * say, a non-compacted changelog or a topic with fewer partitions breaks state and ordering.
 */
export async function ensureTopics(admin: KafkaAdmin, specs: TopicSpec[]): Promise<EnsureResult> {
  const existing = new Set(await admin.listTopics());
  const result: EnsureResult = { created: [], verified: [] };
  for (const spec of specs) {
    if (existing.has(spec.name)) continue;
    try {
      await admin.createTopic(spec.name, spec.partitions, spec.config);
      result.created.push(spec.name);
    } catch (err) {
      // Another instance may have created it between our listing and our request.
      if ((err as { code?: number }).code !== 36 /* TOPIC_ALREADY_EXISTS */) throw err;
    }
  }
  const toVerify = specs.filter((s) => !result.created.includes(s.name));
  if (toVerify.length === 0) return result;
  const [descriptions, configs] = await Promise.all([
    admin.describeTopics(toVerify.map((s) => s.name)),
    admin.describeConfigs(toVerify.map((s) => s.name)),
  ]);
  for (const spec of toVerify) {
    const problems: string[] = [];
    const desc = descriptions.find((d) => d.name === spec.name);
    const partitions = desc?.partitions.length ?? 0;
    if (partitions !== spec.partitions) problems.push(`${partitions} partitions, expected ${spec.partitions}`);
    const actual = configs.get(spec.name);
    for (const [key, want] of Object.entries(spec.config)) {
      const got = actual?.get(key);
      if (got !== want) problems.push(`${key}=${got ?? '(unset)'}, expected ${want}`);
    }
    if (problems.length > 0) throw new TopicMismatchError(spec.name, problems);
    result.verified.push(spec.name);
  }
  return result;
}
