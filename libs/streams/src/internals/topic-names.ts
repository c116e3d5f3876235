/**
 * The one place that names internal topics. Changelogs follow Kafka Streams
 * (`<applicationId>-<store>-changelog`), so tools that know that convention read ours too.
 */
export type InternalTopic = { kind: 'changelog'; store: string } | { kind: 'dlq' } | { kind: 'late' };

export function internalTopicName(applicationId: string, topic: InternalTopic): string {
  switch (topic.kind) {
    case 'changelog':
      return `${applicationId}-${topic.store}-changelog`;
    case 'dlq':
      return `${applicationId}-dlq`;
    case 'late':
      return `${applicationId}-late`;
  }
}
