import { ensureTopics, TopicMismatchError, type KafkaAdmin, type TopicSpec } from '@candlestream/kafka';
import type { ResolvedStreamsConfig } from '../../config.js';
import { PreflightError } from '../../errors.js';
import type { Topology } from '../../processor/topology.js';
import { internalTopicName } from '../topic-names.js';

export interface PreflightResult {
  /** Partitions of every source topic: the number of tasks. */
  partitions: number;
  created: string[];
}

/**
 * Start-up checks, failing fast with every problem in one message: source and sink topics exist,
 * sources are co-partitioned, internal topics exist with the right partition count and cleanup
 * policy (created when missing). Transactions are checked by `initTransactions` right after.
 */
export async function preflight(admin: KafkaAdmin, topology: Topology, c: ResolvedStreamsConfig): Promise<PreflightResult> {
  const problems: string[] = [];
  const sources = topology.sourceTopics;
  const needed = [...sources, ...topology.sinkTopics];
  let existing = new Set(await admin.listTopics());
  // A topic created a moment ago may not be in the broker's metadata yet: look again briefly.
  for (let i = 0; i < 10 && needed.some((t) => !existing.has(t)); i++) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    existing = new Set(await admin.listTopics());
  }
  for (const t of sources) if (!existing.has(t)) problems.push(`source topic ${t} does not exist`);
  for (const t of topology.sinkTopics) if (!existing.has(t)) problems.push(`sink topic ${t} does not exist (create it; sinks are never auto-created)`);
  if (problems.length > 0) throw new PreflightError(c.applicationId, problems);

  const descriptions = await admin.describeTopics(sources);
  const counts = new Map(descriptions.map((d) => [d.name, d.partitions.length]));
  const partitions = counts.get(sources[0]!) ?? 0;
  if ([...counts.values()].some((n) => n !== partitions)) {
    throw new PreflightError(c.applicationId, [
      `source topics must have the same number of partitions (one task per partition): ${[...counts].map(([t, n]) => `${t}=${n}`).join(', ')}`,
    ]);
  }

  const specs: TopicSpec[] = [];
  for (const store of topology.stores) {
    if (!store.changelog) continue;
    specs.push({
      name: internalTopicName(c.applicationId, { kind: 'changelog', store: store.name }),
      partitions,
      config: { 'cleanup.policy': 'compact' },
    });
  }
  if (c.deadLetterQueue) specs.push({ name: internalTopicName(c.applicationId, { kind: 'dlq' }), partitions, config: { 'cleanup.policy': 'delete' } });
  if (topology.usesLateTopic) specs.push({ name: internalTopicName(c.applicationId, { kind: 'late' }), partitions, config: { 'cleanup.policy': 'delete' } });
  try {
    const result = await ensureWithRetry(admin, specs);
    return { partitions, created: result.created };
  } catch (err) {
    if (err instanceof TopicMismatchError) {
      throw new PreflightError(c.applicationId, [`internal topic ${err.topic} does not match: ${err.problems.join('; ')} (delete it or fix it)`], err);
    }
    throw err;
  }
}

/**
 * ensureTopics, retried briefly while a topic another instance has just created is not yet known
 * everywhere (unknown topic, or no partitions yet): instances of one application often start together.
 */
async function ensureWithRetry(admin: KafkaAdmin, specs: TopicSpec[]): ReturnType<typeof ensureTopics> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await ensureTopics(admin, specs);
    } catch (err) {
      const notYetVisible =
        (err as { code?: number }).code === UNKNOWN_TOPIC_OR_PARTITION ||
        (err instanceof TopicMismatchError && err.problems.some((p) => p.startsWith('0 partitions')));
      if (!notYetVisible || attempt >= 15) throw err;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

const UNKNOWN_TOPIC_OR_PARTITION = 3;
