import type { Registry } from 'prom-client';
import { gauge } from '@candlestream/metrics';
import type { KafkaAdmin } from './admin.js';
import { groupLag } from './lag.js';

/**
 * `candlestream_consumer_group_lag_records{group,topic,partition}`, computed from the broker at scrape
 * time, for the groups given or for every group on the cluster ('all'), so dashboards show lag of
 * consumers we did not write too. Each scrape costs one offsets and one ListOffsets round-trip per
 * group and topic; scrape it every few seconds, not in a loop.
 */
export function registerGroupLagGauge(registry: Registry, admin: KafkaAdmin, groups: string[] | 'all'): void {
  gauge(
    registry,
    'consumer_group_lag_records',
    'Records the group has not committed yet (last stable offset minus committed offset)',
    ['group', 'topic', 'partition'],
    async function collect() {
      this.reset();
      try {
        const names = groups === 'all' ? await admin.listGroups() : groups;
        for (const group of names) {
          for (const l of await groupLag(admin, group)) {
            this.set({ group, topic: l.topic, partition: String(l.partition) }, l.lag);
          }
        }
      } catch {
        // A broker hiccup leaves this scrape without lag series rather than failing the whole scrape.
        this.reset();
      }
    },
  );
}
