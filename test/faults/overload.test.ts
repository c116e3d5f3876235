/**
 * Overload: a max-speed replay of ~500k trades of the 2024 Binance recording (BTCUSDT and ETHUSDT,
 * looped) into a running processor. Memory stays bounded (peak RSS reported), the lag drains after
 * the burst, and no trade is dropped: the trade counts of every final candle plus those of the windows
 * still open (asked of the processor's interactive queries) add up to every trade replayed.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { groupLag } from '@candlestream/kafka';
import { candleSerde, pipelineRegistry } from '@candlestream/pipeline';
import { AppProcess, ROOT, eventually } from '../support/apps.js';
import { conn, createTopic, endOffsets, readTopic, uniqueName, withAdmin } from '../support/kafka.js';

const RECORDING = join(ROOT, '../shared/data/ws/binance/hftbacktest-spot-trade-btcusdt-ethusdt.jsonl');
const LOOPS = 21; // 21 x 24,544 = 515,424 trades
const RSS_BOUND_MB = 600;
const work = mkdtempSync(join(tmpdir(), 'overload-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const peakRssMb = (pid: number): number => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

describe('overload: a max-speed replay against the processor', () => {
  it('keeps memory bounded, drains the lag and drops no trade', async () => {
    const trades = uniqueName('overload-trades');
    await createTopic(trades, 4);
    const appId = uniqueName('overload');
    const from = { '1m': await endOffsets('candles.1m') };
    const processor = AppProcess.start('processor', [], { INPUT_TOPIC: trades, APPLICATION_ID: appId, STATE_DIR: join(work, 'state'), GRACE_MS: '0', METRICS_PORT: '0', LOG_LEVEL: 'info' }, { built: true });
    const port = await eventually(async () => /processor: .* on :(\d+)/.exec(processor.output.join(''))?.[1], 60_000, 'the processor to start');
    const started = Date.now();
    const replay = AppProcess.start('producer', ['replay', '--speed', 'max', '--loop', String(LOOPS), '--topic', trades, '--metrics-port', 'off', RECORDING], {}, { built: true });
    expect(await replay.wait(180_000), replay.tail()).toBe(0);
    const replayed = Number(/replayed (\d+) trades/.exec(replay.output.join(''))?.[1]);
    expect(replayed).toBe(LOOPS * 24_544);

    let peak = 0;
    const drainedAfter = await eventually(async () => {
      if (processor.exited) throw new Error(processor.tail());
      peak = Math.max(peak, peakRssMb(processor.proc.pid!));
      const lag = await withAdmin((a) => groupLag(a, appId));
      const mine = lag.filter((l) => l.topic === trades);
      return mine.length > 0 && mine.every((l) => l.lag === 0) ? (Date.now() - started) / 1000 : undefined;
    }, 240_000, 'the lag to drain', 250);
    peak = Math.max(peak, peakRssMb(processor.proc.pid!));

    const c1 = await candleSerde(pipelineRegistry(conn.registryUrl), 'candles.1m');
    const closed = (await readTopic('candles.1m', { from: from['1m'] }))
      .filter((m) => ['BINANCE:BTCUSDT', 'BINANCE:ETHUSDT'].includes(m.key?.toString() ?? ''))
      .map((m) => c1.deserialize(m.value!));
    // The recording starts 2024-08-08 23:54 UTC; each loop is one day later. Other runs may write
    // candles for the same keys (the 2017 sample), never for these dates.
    const firstPass = Date.UTC(2024, 7, 8);
    const lastPassStart = firstPass + (LOOPS - 1) * 86_400_000;
    const mine = closed.filter((c) => c.openTime >= firstPass);
    let open = 0;
    for (const key of ['BINANCE:BTCUSDT', 'BINANCE:ETHUSDT']) {
      const res = (await (await fetch(`http://127.0.0.1:${port}/candles/${key}?interval=1m`)).json()) as { open: { tradeCount: number; openTime: number } | null };
      expect(res.open, `${key} has an open window`).not.toBeNull();
      expect(res.open!.openTime).toBeGreaterThanOrEqual(lastPassStart);
      open += res.open!.tradeCount;
    }
    const inClosed = mine.reduce((n, c) => n + c.tradeCount, 0);
    expect(new Set(mine.map((c) => `${c.symbol}/${c.openTime}`)).size).toBe(mine.length);
    expect(inClosed + open, 'every replayed trade is in exactly one candle').toBe(replayed);
    expect(peak, `peak RSS ${peak.toFixed(0)} MB`).toBeLessThan(RSS_BOUND_MB);
    console.log(`overload: ${replayed} trades at max speed; processor drained ${drainedAfter.toFixed(1)} s after the replay started; peak RSS ${peak.toFixed(0)} MB; ${mine.length} final 1m candles + ${open} trades in open windows`);
    expect(await processor.stop()).toBe(0);
  }, 600_000);
});
