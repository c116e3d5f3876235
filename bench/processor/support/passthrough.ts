/**
 * The baseline: consume -> produce through the same library, client, settings and transactions as the
 * processor, with no state (a source wired straight to a sink). The practical ceiling on this machine.
 * Env: INPUT_TOPIC, OUTPUT_TOPIC, APPLICATION_ID, STATE_DIR, EXACTLY_ONCE (default true).
 */
import { connectionFromEnv } from '@candlestream/kafka';
import { createLogger, runMain } from '@candlestream/metrics';
import { KafkaStreams, Serdes, StreamsBuilder } from '@candlestream/streams';

runMain(async (signal) => {
  const env = process.env;
  const b = new StreamsBuilder();
  b.stream(env.INPUT_TOPIC!, Serdes.buffer()).to(env.OUTPUT_TOPIC!, Serdes.buffer());
  const streams = new KafkaStreams(b.build(), {
    applicationId: env.APPLICATION_ID!,
    connection: connectionFromEnv(),
    stateDir: env.STATE_DIR!,
    processingGuarantee: env.EXACTLY_ONCE === 'false' ? 'at_least_once' : 'exactly_once_v2',
    logger: createLogger('passthrough', { level: 'warn' }),
  });
  await streams.start();
  await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  await streams.close();
});
