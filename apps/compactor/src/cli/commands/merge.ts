import { resolve } from 'node:path';
import { ConfigError } from '@candlestream/kafka';
import { createLogger, type Level } from '@candlestream/metrics';
import { mergeLake } from '../../parquet/merge.js';
import { formatTable } from '../../output/format.js';
import { crashHookFromEnv } from '../../testing/crash-points.js';
import { helpText, printableConfig, resolveOptions } from '../options.js';
import { MERGE_OPTIONS } from '../specs.js';
import type { CommandIo } from './io.js';

export const MERGE_HELP = helpText(
  'compactor merge [options]',
  "Rewrite each day's small files into one file per partition directory (interval=<i>/date=<d>), atomically\nfor readers and idempotently. Safe to run while `compactor run` is writing.",
  MERGE_OPTIONS,
);

export async function mergeCommand(argv: string[], env: NodeJS.ProcessEnv, io: CommandIo): Promise<number> {
  const r = resolveOptions(MERGE_OPTIONS, argv, env);
  if (r.help) {
    io.out(MERGE_HELP + '\n');
    return 0;
  }
  if (r.positionals.length > 0) throw new ConfigError(`merge takes no arguments, got ${r.positionals.join(' ')}`);
  const dates = r.values.date as string[] | undefined;
  for (const d of dates ?? []) if (!/^\d{4}-\d{2}-\d{2}$/.test(d)) throw new ConfigError(`--date must be YYYY-MM-DD, got ${JSON.stringify(d)}`);
  const log = createLogger('compactor', { level: r.values['log-level'] as Level });
  log.info('config', { command: 'merge', config: printableConfig(MERGE_OPTIONS, r) });
  const merged = await mergeLake({
    lakeDir: resolve(r.values.lake as string),
    intervals: r.values.interval as string[] | undefined,
    dates,
    includeToday: r.values['include-today'] as boolean,
    minFiles: r.values['min-files'] as number,
    fsync: r.values.fsync as boolean,
    crash: crashHookFromEnv(env),
    log,
  });
  io.out(
    formatTable({
      columns: ['directory', 'files_in', 'rows', 'bytes', 'merged_file', 'garbage_removed'],
      rows: merged.map((m) => [m.dir, m.inputs, m.rows, m.bytes, m.file, m.garbage]),
    }),
  );
  return 0;
}
