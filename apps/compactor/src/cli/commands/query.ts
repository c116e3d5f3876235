import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from '@candlestream/kafka';
import { createLogger, type Level } from '@candlestream/metrics';
import { LakeQuery } from '../../parquet/lake-query.js';
import { format, fromDuckDB, printTimestampsInUtc, type OutputFormat } from '../../output/format.js';
import { helpText, printableConfig, resolveOptions } from '../options.js';
import { QUERY_OPTIONS } from '../specs.js';
import type { CommandIo } from './io.js';

export const QUERY_HELP = helpText(
  'compactor query [options] "<SQL>"   |   compactor query --file q.sql',
  'Run SQL with DuckDB over the lake. Views: candles (all intervals), candles_1m, candles_5m (and one per\ninterval in the lake), lake_files (every file with its offset coverage). Times are UTC.',
  QUERY_OPTIONS,
  `Examples:
  compactor query "SELECT symbol, count(*) FROM candles_1m GROUP BY symbol"
  compactor query --format csv --file daily-vwap.sql > vwap.csv`,
);

export async function queryCommand(argv: string[], env: NodeJS.ProcessEnv, io: CommandIo): Promise<number> {
  const r = resolveOptions(QUERY_OPTIONS, argv, env);
  if (r.help) {
    io.out(QUERY_HELP + '\n');
    return 0;
  }
  const file = r.values.file as string | undefined;
  if (file && r.positionals.length > 0) throw new ConfigError('give the SQL either as an argument or with --file, not both');
  const sql = file === '-' ? await io.readStdin() : file ? readFileSync(file, 'utf8') : r.positionals.join(' ');
  if (sql.trim() === '') throw new ConfigError('no SQL given (compactor query --help)');
  const log = createLogger('compactor', { level: r.values['log-level'] as Level });
  log.info('config', { command: 'query', config: printableConfig(QUERY_OPTIONS, r) });

  printTimestampsInUtc();
  const lake = await LakeQuery.open(resolve(r.values.lake as string));
  try {
    log.debug('lake opened', { files: lake.snapshot.live.length, superseded: lake.snapshot.superseded.length, views: lake.views });
    const result = await lake.run(sql);
    io.out(format(fromDuckDB(result), r.values.format as OutputFormat));
    return 0;
  } finally {
    lake.close();
  }
}
