import { ensureTopics, KafkaAdmin, type ConnectionConfig, type EnsureResult } from '@candlestream/kafka';
import { pipelineRegistry } from './registry.js';
import { candleSerde, tradeSerde } from './serdes.js';
import { candleTopic, candleUpdatesTopic, CANDLE_INTERVALS, pipelineTopics, TRADES_TOPIC } from './topics.js';

export interface InitResult extends EnsureResult {
  schemaIds: Record<string, number>;
}

/**
 * Creates or verifies every pipeline topic and registers the record schemas under their subjects.
 * Idempotent; every app runs it at start, and the compose file runs it as its init step.
 */
export async function initPipeline(conn: ConnectionConfig, partitions = 4): Promise<InitResult> {
  const registry = pipelineRegistry(conn.registryUrl);
  await registry.ping();
  const admin = await KafkaAdmin.connect(conn);
  try {
    const topics = await ensureTopics(admin, pipelineTopics(partitions));
    const schemaIds: Record<string, number> = {};
    schemaIds[TRADES_TOPIC] = (await tradeSerde(registry, TRADES_TOPIC)).schemaId;
    for (const i of CANDLE_INTERVALS) {
      for (const t of [candleTopic(i), candleUpdatesTopic(i)]) schemaIds[t] = (await candleSerde(registry, t)).schemaId;
    }
    return { ...topics, schemaIds };
  } finally {
    admin.close();
  }
}
