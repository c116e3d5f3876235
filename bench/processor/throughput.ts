/**
 * Processor throughput on ~1M real-sample trades over 4 partitions, EOS on and off, against a
 * consume -> produce pass-through on the same library, client and settings, measured in the same run.
 * Rate = records committed after the first commit / time from the first commit to lag 0 (start-up,
 * group join and restore are excluded, equally for every run). Peak RSS is the process's VmHWM.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { groupLag, KafkaAdmin } from '@candlestream/kafka';
import { conn, createTopic, uniqueName } from '../../test/support/kafka.js';
import { peakRssMb, startNode, stop } from './support/measure.js';
import { loadSampleTrades, type Density } from './support/trades.js';

const COUNT = Number(process.env.BENCH_TRADES ?? 1_000_000);
const DENSITY = (process.env.BENCH_DENSITY ?? 'dense') as Density;
const ROOT = new URL('../..', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'bench-processor-'));

interface Result { name: string; records: number; seconds: number; rate: number; rssMb: number }

async function measure(name: string, group: string, input: string, total: number, args: string[], env: Record<string, string>): Promise<Result> {
  const child = startNode(args, { ...env, APPLICATION_ID: group, INPUT_TOPIC: input, STATE_DIR: join(work, group), METRICS_PORT: '0' });
  const admin = await KafkaAdmin.connect(conn);
  let first: { t: number; committed: number } | undefined;
  let rss = 0;
  try {
    for (;;) {
      rss = Math.max(rss, peakRssMb(child.pid!));
      const lag = (await groupLag(admin, group)).filter((l) => l.topic === input);
      const committed = lag.reduce((n, l) => n + Math.max(0, l.committed), 0);
      if (!first && committed > 0) first = { t: Date.now(), committed };
      if (first && committed >= total) {
        const seconds = (Date.now() - first.t) / 1000;
        return { name, records: total - first.committed, seconds, rate: (total - first.committed) / seconds, rssMb: rss };
      }
      if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    admin.close();
    await stop(child);
  }
}

const input = uniqueName('bench-trades');
process.stderr.write(`loading ${COUNT} trades into ${input}...\n`);
const total = await loadSampleTrades(input, COUNT, 4, DENSITY);
const output = uniqueName('bench-passthrough-out');
await createTopic(output, 4);
const passthrough = ['--conditions=source', '--import', 'tsx', join(ROOT, 'bench/processor/support/passthrough.ts')];
const processor = [join(ROOT, 'apps/processor/dist/main.js')];

const results: Result[] = [];
results.push(await measure('pass-through, EOS', uniqueName('pt-eos'), input, total, passthrough, { OUTPUT_TOPIC: output }));
results.push(await measure('processor (candles 1m+5m, indicators, alerts), EOS', uniqueName('proc-eos'), input, total, processor, {}));
results.push(await measure('pass-through, at-least-once', uniqueName('pt-alos'), input, total, passthrough, { OUTPUT_TOPIC: output, EXACTLY_ONCE: 'false' }));
results.push(await measure('processor, at-least-once', uniqueName('proc-alos'), input, total, processor, { EXACTLY_ONCE: 'false' }));

const base = results[0]!.rate;
console.log(`${total} trades (${DENSITY} input: ${DENSITY === 'dense' ? '2024 BTCUSDT recording, ~1,900 trades per 1m candle' : '2017 sample, ~4 trades per 1m candle'}), 4 partitions, commit every 100 ms\n`);
console.log('| run | records measured | seconds | records/s | vs pass-through EOS | peak RSS MB |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const r of results) {
  console.log(`| ${r.name} | ${r.records} | ${r.seconds.toFixed(2)} | ${Math.round(r.rate)} | ${((r.rate / base) * 100).toFixed(0)} % | ${r.rssMb.toFixed(0)} |`);
}
rmSync(work, { recursive: true, force: true });
process.exit(0);
