#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '@candlestream/kafka';
import { processIo, type CommandIo } from './cli/commands/io.js';
import { mergeCommand } from './cli/commands/merge.js';
import { queryCommand } from './cli/commands/query.js';
import { runCommand } from './cli/commands/run.js';
import { tailCommand } from './cli/commands/tail.js';

const COMMANDS: Record<string, { summary: string; run: (argv: string[], env: NodeJS.ProcessEnv, io: CommandIo) => Promise<number> }> = {
  run: { summary: 'consume the final candle topics and write them exactly once into the Parquet lake', run: runCommand },
  merge: { summary: "merge each day's small files into one file per partition directory", run: mergeCommand },
  query: { summary: 'run SQL over the lake (views candles, candles_1m, candles_5m, lake_files)', run: queryCommand },
  tail: { summary: 'print live candles of one symbol from a candle topic', run: tailCommand },
};

export const USAGE = `Usage: compactor <command> [options]

Candle topics -> Parquet lake (DuckDB, Hive-partitioned: <lake>/candles/interval=<i>/date=<YYYY-MM-DD>/) -> SQL.

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(6)}  ${c.summary}`)
  .join('\n')}

Run \`compactor <command> --help\` for a command's options. Options also come from the environment
(KAFKA_BROKERS, SCHEMA_REGISTRY_URL, LAKE_DIR, COMPACTOR_*, METRICS_PORT, LOG_LEVEL).
`;

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env, io: CommandIo = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(USAGE);
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(`unknown command ${JSON.stringify(name)}\n\n${USAGE}`);
    return 2;
  }
  try {
    return await command.run(rest, env, io);
  } catch (err) {
    if (err instanceof ConfigError) {
      io.err(`compactor ${name}: ${err.message}\n`);
      return 2;
    }
    const e = err as Error;
    io.err(`compactor ${name} failed: ${e.name}: ${e.message}\n`);
    return 1;
  }
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return pathToFileURL(realpathSync(script)).href === import.meta.url;
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
      // Native clients are closed by now; do not let a stray handle keep a finished command alive.
      setTimeout(() => process.exit(code), 2000).unref();
    },
    (err: unknown) => {
      process.stderr.write(`${String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
