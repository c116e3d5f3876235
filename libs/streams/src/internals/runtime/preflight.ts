import { ensureTopics, TopicMismatchError, type KafkaAdmin, type TopicSpec } from '@candlestream/kafka';
import type { ResolvedStreamsConfig } from '../../config.js';
import { PreflightError } from '../../errors.js';
import type { Topology } from '../../processor/topology.js';
import { internalTopicName } from '../topic-names.js';

export interface PreflightResult {
  /** Partitions of each sub-topology's sources: its number of tasks. */
  partitions: number[];
  created: string[];
}

/**
 * Start-up checks, failing fast with every problem in one message: source and sink topics exist,
 * the sources of each sub-topology are co-partitioned, internal topics exist with the right partition count and cleanup
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
  const subtopologies = topology.subtopologies;
  const partitions = subtopologies.map((sub) => counts.get(sub.sourceTopics[0]!) ?? 0);
  for (const sub of subtopologies) {
    if (sub.sourceTopics.some((t) => counts.get(t) !== partitions[sub.id])) {
      problems.push(
        `the source topics of sub-topology ${sub.id} must have the same number of partitions (one task per partition): ${sub.sourceTopics.map((t) => `${t}=${counts.get(t)}`).join(', ')}`,
      );
    }
  }
  if (problems.length > 0) throw new PreflightError(c.applicationId, problems);

  const specs: TopicSpec[] = [];
  for (const sub of subtopologies) {
    for (const store of sub.stores) {
      if (!store.changelog) continue;
      specs.push({
        name: internalTopicName(c.applicationId, { kind: 'changelog', store: store.name }),
        partitions: partitions[sub.id]!,
        config: { 'cleanup.policy': 'compact' },
      });
    }
  }
  // Dead letters and late records keep their source partition: as many partitions as the widest source.
  const widest = Math.max(...partitions);
  if (c.deadLetterQueue) specs.push({ name: internalTopicName(c.applicationId, { kind: 'dlq' }), partitions: widest, config: { 'cleanup.policy': 'delete' } });
  if (topology.usesLateTopic) specs.push({ name: internalTopicName(c.applicationId, { kind: 'late' }), partitions: widest, config: { 'cleanup.policy': 'delete' } });
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
