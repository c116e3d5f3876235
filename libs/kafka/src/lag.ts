import type { KafkaAdmin } from './admin.js';

export interface PartitionLag {
  group: string;
  topic: string;
  partition: number;
  /** The group's committed offset, or -1 when it has committed nothing for this partition yet. */
  committed: number;
  /** Last stable offset: the end a read_committed consumer can reach (open transactions excluded). */
  end: number;
  lag: number;
}

/**
 * Lag of a consumer group per topic partition as the broker sees it: last stable offset minus the
 * committed offset. Under exactly-once the committed offsets only move with transactions, and the
 * end is read_committed, so an open transaction does not show up as lag that can never drain.
 * A partition without a commit counts its whole retained log as lag.
 */
export async function groupLag(admin: KafkaAdmin, group: string): Promise<PartitionLag[]> {
  const [result] = await admin.groupOffsets(group);
  if (!result || result.error) return [];
  const byTopic = new Map<string, Map<number, number>>();
  for (const p of result.partitions) {
    if (p.error) continue;
    let m = byTopic.get(p.topic);
    if (!m) byTopic.set(p.topic, (m = new Map()));
    m.set(p.partition, p.offset ?? -1);
  }
  const out: PartitionLag[] = [];
  for (const [topic, committed] of byTopic) {
    const marks = await admin.watermarks(topic, [...committed.keys()], true);
    for (const [partition, offset] of committed) {
      const w = marks.get(partition);
      if (!w) continue;
      const from = offset >= 0 ? offset : w.low;
      out.push({ group, topic, partition, committed: offset, end: w.high, lag: Math.max(0, w.high - from) });
    }
  }
  return out;
}
