import type { ConnectionConfig } from '@candlestream/kafka';
import { initPipeline } from '@candlestream/pipeline';

export async function initCommand(conn: ConnectionConfig, partitions: number): Promise<void> {
  const res = await initPipeline(conn, partitions);
  console.log(`topics created: ${res.created.join(', ') || '(none)'}`);
  console.log(`topics verified: ${res.verified.join(', ') || '(none)'}`);
  for (const [topic, id] of Object.entries(res.schemaIds)) console.log(`schema ${topic}-value: id ${id}`);
}
