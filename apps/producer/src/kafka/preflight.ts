import { KafkaAdmin, type AvroSerde, type TopicSpec } from '@candlestream/kafka';
import type { Trade } from '@candlestream/market';
import type { Logger } from '@candlestream/metrics';
import { pipelineRegistry, pipelineTopics, PRODUCER_DLQ_TOPIC, tradeSerde, TRADES_TOPIC } from '@candlestream/pipeline';
import type { KafkaSettings } from '../config.js';

/**
 * Before the first trade: the registry answers, the trades and dead-letter topics exist (missing
 * ones are created the way `producer init` creates them: unlimited time retention, because replays
 * carry old trade times as record timestamps), and the trade schema is registered under
 * `<topic>-value`. Fails with one actionable line (exit 2) when the broker or registry is not there.
 * `extra` topics (an exactly-once replay's positions topic) are created too when missing.
 */
export async function preflight(c: KafkaSettings, log: Logger, extra: readonly TopicSpec[] = []): Promise<AvroSerde<Trade>> {
  const registry = pipelineRegistry(c.conn.registryUrl);
  await registry.ping();
  const admin = await KafkaAdmin.connect(c.conn);
  try {
    const existing = new Set(await admin.listTopics());
    const specs = pipelineTopics(c.partitions);
    const specFor = (name: string, like: string): TopicSpec => ({ ...(specs.find((s) => s.name === like) as TopicSpec), name });
    for (const spec of [specFor(c.topic, TRADES_TOPIC), specFor(c.dlqTopic, PRODUCER_DLQ_TOPIC), ...extra]) {
      if (existing.has(spec.name)) continue;
      try {
        await admin.createTopic(spec.name, spec.partitions, spec.config);
        log.info('topic created', { topic: spec.name, partitions: spec.partitions, config: spec.config });
      } catch (err) {
        if ((err as { code?: number }).code !== 36 /* TOPIC_ALREADY_EXISTS: another instance won */) throw err;
      }
    }
  } finally {
    admin.close();
  }
  return tradeSerde(registry, c.topic);
}
