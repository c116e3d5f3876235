#!/usr/bin/env node
import { connectionFromEnv, ConfigError } from '@candlestream/kafka';
import { runMain } from '@candlestream/metrics';
import { optionHelp, resolveOptions, type OptionSpec } from './cli/options.js';
import { initCommand } from './commands/init.js';
import { liveCommand } from './commands/live.js';
import { recordCommand } from './commands/record.js';
import { replayCommand } from './commands/replay.js';
import { smokeCommand } from './commands/smoke.js';
import { LIVE_OPTIONS, liveConfig, RECORD_OPTIONS, recordConfig, REPLAY_OPTIONS, replayConfig } from './config.js';

const USAGE = `usage: producer <command> [options]     (producer <command> --help for its options)

commands:
  live     exchange WebSockets (Binance, Coinbase, Kraken) -> Avro trades on Kafka, until SIGTERM
  replay   recorded trades (Binance trades CSV, JSONL WebSocket recordings) -> Avro trades on Kafka
  record   exchange WebSockets -> rotating JSONL files of the raw frames (no Kafka)
  init     create or verify the pipeline's topics and register the Avro schemas
  smoke    produce one Avro trade and read it back (checks broker + registry)

Every option can also be set by the environment variable shown with it; a flag wins.

environment (all commands):
  KAFKA_BROKERS         default 127.0.0.1:19092
  SCHEMA_REGISTRY_URL   default http://127.0.0.1:18081/apis/ccompat/v7
  PARTITIONS            partitions of new pipeline topics (default 4)
  LOG_LEVEL             debug, info, warn, error (JSON lines on stderr)`;

interface Command {
  summary: string;
  usage: string;
  options: OptionSpec[];
  run(values: ReturnType<typeof resolveOptions>, signal: AbortSignal): Promise<void>;
}

const COMMANDS: Record<string, Command> = {
  live: {
    summary: 'exchange WebSockets -> Avro trades on Kafka, until SIGTERM/SIGINT (then flush, exit 0)',
    usage: 'producer live [options]',
    options: LIVE_OPTIONS,
    run: (o, signal) => liveCommand(liveConfig(o.values), signal),
  },
  replay: {
    summary:
      'recorded trades -> Avro trades on Kafka; exits non-zero if any record was not delivered.\n\n' +
      'Exactly once (--transactional-id ID): records and the replay position {pass, input, line} are committed\n' +
      'in one Kafka transaction every --commit-interval-ms, at the end and on SIGTERM/SIGINT; a restart with the\n' +
      'same ID (same inputs and --loop) fences the old instance, aborts its open transaction and resumes after the\n' +
      'last committed position, so read_committed consumers see every trade exactly once across kills.',
    usage: 'producer replay [options] FILE...   (BTCUSDT-trades-2017-08-17.csv, binance-....jsonl, ...)',
    options: REPLAY_OPTIONS,
    run: (o, signal) => replayCommand(replayConfig(o.values, o.positionals), signal),
  },
  record: {
    summary: 'exchange WebSockets -> rotating JSONL files of the raw frames, replayable with producer replay',
    usage: 'producer record [options]',
    options: RECORD_OPTIONS,
    run: (o, signal) => recordCommand(recordConfig(o.values), signal),
  },
};

runMain(async (signal) => {
  const [command, ...args] = process.argv.slice(2);
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE);
    return;
  }
  const cmd = COMMANDS[command];
  if (cmd) {
    const parsed = resolveOptions(cmd.options, args, process.env);
    if (parsed.help) {
      console.log(`usage: ${cmd.usage}\n\n${cmd.summary}\n\noptions [environment variable] (default):\n${optionHelp(cmd.options)}`);
      return;
    }
    if (command !== 'replay' && parsed.positionals.length > 0) {
      throw new ConfigError(`producer ${command} takes no arguments, got ${parsed.positionals.join(' ')} (see --help)`);
    }
    return cmd.run(parsed, signal);
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
