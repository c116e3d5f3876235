#!/usr/bin/env node
import { connectionFromEnv, ConfigError } from '@candlestream/kafka';
import { runMain } from '@candlestream/metrics';
import { initCommand } from './commands/init.js';
import { smokeCommand } from './commands/smoke.js';

const USAGE = `usage: producer <command> [options]

commands:
  init     create or verify the pipeline's topics and register the Avro schemas
  smoke    produce one Avro trade and read it back (checks broker + registry)

environment:
  KAFKA_BROKERS         default 127.0.0.1:19092
  SCHEMA_REGISTRY_URL   default http://127.0.0.1:18081/apis/ccompat/v7
  PARTITIONS            partitions of new pipeline topics (default 4)`;

runMain(async () => {
  const [command] = process.argv.slice(2);
  if (!command || command === '--help' || command === '-h') {
    console.log(USAGE);
    return;
  }
  const conn = connectionFromEnv();
  console.error(`producer ${command}: brokers=${conn.brokers} registry=${conn.registryUrl}`);
  switch (command) {
    case 'init':
      return initCommand(conn, Number(process.env.PARTITIONS ?? 4));
    case 'smoke':
      return smokeCommand(conn);
    default:
      throw new ConfigError(`unknown command ${JSON.stringify(command)} (see producer --help)`);
  }
});
