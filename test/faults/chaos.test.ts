/**
 * Whole-pipeline chaos run: ~500k real-sample trades (the Binance day replayed 146 times, each pass
 * one day later) through producer -> processor -> compactor while a driver SIGKILLs the apps at
 * seeded random moments (>= 20 kills) and restarts them, and restarts the broker once. At the end the
 * final candle topics and the lake hold every candle exactly once, each equal to the exchange's own
 * kline of that minute (shifted by its pass's days) -- which is also what a clean run gives, as the
 * processor's klines test shows -- and the lake equals the topics row for row.
 * Seed: CHAOS_SEED (printed).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Decimal, parseKlineCsv, type Candle } from '@candlestream/market';
import { candleSerde, pipelineRegistry } from '@candlestream/pipeline';
import { seededRandom, seedFrom } from '../support/random.js';
import { AppProcess, ROOT, eventually } from '../support/apps.js';
import { conn, createTopic, endOffsets, readTopic, uniqueName } from '../support/kafka.js';
import { rollUp5m } from '../support/klines.js';

const PASSES = 146;
const MIN_KILLS = 20;
const DAY = 86_400_000;
const SAMPLE = join(ROOT, '../shared/data/binance/trades/BTCUSDT-trades-2017-08-17.csv');
const KLINES = new URL('../../../shared/data/binance/klines/1m/BTCUSDT-1m-2017-08-17.csv', import.meta.url);
const random = seededRandom(seedFrom('CHAOS_SEED', 'chaos'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const work = mkdtempSync(join(tmpdir(), 'chaos-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

type Name = 'producer' | 'processor' | 'compactor';

/** Keeps one app running: restarts it after a kill, or when it dies on its own (e.g. broker gone). */
class Supervised {
  app: AppProcess;
  kills = 0;
  selfExits = 0;
  done = false;
  constructor(
    readonly name: Name,
    private readonly args: string[],
    private readonly env: Record<string, string>,
  ) {
    this.app = this.start();
  }
  private start(): AppProcess {
    return AppProcess.start(this.name, this.args, this.env, { built: true });
  }
  async kill(): Promise<void> {
    this.app.proc.kill('SIGKILL');
    await this.app.wait();
    this.kills++;
    await sleep(200 + random() * 600);
    this.app = this.start();
  }
  /** Restarts an app that ended by itself; the producer ending with 0 has finished its replay. */
  check(): void {
    if (!this.app.exited || this.done) return;
    if (this.name === 'producer' && this.app.proc.exitCode === 0) {
      this.done = true;
      return;
    }
    this.selfExits++;
    this.app = this.start();
  }
}

describe('chaos: SIGKILL every app at random and restart the broker', () => {
  it('leaves every final candle exactly once in the topics and the lake, equal to the klines', async () => {
    const run = uniqueName('c').replace(/[^a-z0-9]/g, '').slice(-5).toUpperCase();
    const symbol = `K${run}USDT`;
    const key = `BINANCE:${symbol}`;
    const trades = uniqueName('chaos-trades');
    await createTopic(trades, 4);
    const from = { '1m': await endOffsets('candles.1m'), '5m': await endOffsets('candles.5m') };
    const lake = join(work, 'lake');

    const apps = {
      processor: new Supervised('processor', [], { INPUT_TOPIC: trades, APPLICATION_ID: `chaos-${run}`, STATE_DIR: join(work, 'state'), GRACE_MS: '0', METRICS_PORT: '0' }),
      compactor: new Supervised('compactor', ['run', '--group', `chaos-compactor-${run}`, '--instance-id', `chaos-${run}`, '--lake', lake, '--flush-interval-ms', '2000', '--metrics-port', '0'], {}),
      producer: new Supervised('producer', ['replay', '--transactional-id', `chaos-${run}`, '--loop', String(PASSES), '--speed', 'x120000', '--symbol', symbol, '--topic', trades, '--metrics-port', 'off', SAMPLE], {}),
    };
    const all = Object.values(apps);
    let brokerRestarts = 0;
    const started = Date.now();
    while ((!apps.producer.done || all.reduce((n, a) => n + a.kills, 0) < MIN_KILLS) && Date.now() - started < 420_000) {
      await sleep(1500 + random() * 3000);
      for (const a of all) a.check();
      const kills = all.reduce((n, a) => n + a.kills, 0);
      if (brokerRestarts === 0 && kills >= 8) {
        execFileSync('bash', ['deploy/local/stack-down.sh', 'kafka'], { cwd: ROOT, stdio: 'ignore' });
        await sleep(2000);
        execFileSync('bash', ['deploy/local/stack-up.sh'], { cwd: ROOT, stdio: 'ignore', timeout: 120_000 });
        brokerRestarts++;
        continue;
      }
      const candidates = all.filter((a) => !a.done);
      await candidates[Math.floor(random() * candidates.length)]!.kill();
    }
    expect(apps.producer.done, `producer did not finish:\n${apps.producer.app.tail()}`).toBe(true);

    // Every window of every pass closes but the last one of each interval (no later trade closes it).
    const expected = { '1m': PASSES * 831 - 1, '5m': PASSES * 222 - 1 };
    const c1 = await candleSerde(pipelineRegistry(conn.registryUrl), 'candles.1m');
    const read = async (interval: '1m' | '5m'): Promise<Candle[]> =>
      (await readTopic(`candles.${interval}`, { from: from[interval] })).filter((m) => m.key?.toString() === key).map((m) => c1.deserialize(m.value!));
    const topic: Record<'1m' | '5m', Candle[]> = { '1m': [], '5m': [] };
    for (const interval of ['1m', '5m'] as const) {
      topic[interval] = await eventually(async () => {
        for (const a of all) a.check();
        const got = await read(interval);
        return got.length >= expected[interval] ? got : undefined;
      }, 240_000, `${expected[interval]} final ${interval} candles`, 2000);
    }
    type Row = Record<string, string | number>;
    const lakeRows = await eventually(async () => {
      for (const a of all) a.check();
      const res = spawnSync(process.execPath, ['apps/compactor/dist/main.js', 'query', '--lake', lake, '--format', 'json', '--log-level', 'error', `select * from candles where symbol = '${symbol}'`], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 30 });
      const rows = res.status === 0 && res.stdout.trim() ? (JSON.parse(res.stdout) as Row[]) : [];
      return rows.length >= expected['1m'] + expected['5m'] ? rows : undefined;
    }, 180_000, 'the lake to catch up', 3000);
    for (const a of all) if (!a.app.exited) await a.app.stop();

    // Exactly once: no duplicate window, no missing one, in the topics and in the lake.
    const klines = parseKlineCsv(readFileSync(KLINES, 'utf8')).filter((k) => k.tradeCount > 0);
    const oneMinute = new Map(klines.map((k) => [k.openTime, k]));
    const fiveMinute = rollUp5m(klines);
    const day0 = Date.UTC(2017, 7, 17);
    let checked = 0;
    for (const interval of ['1m', '5m'] as const) {
      const candles = topic[interval];
      const starts = candles.map((c) => c.openTime);
      expect(new Set(starts).size, `${interval} duplicates`).toBe(candles.length);
      expect(candles.length, `${interval} count`).toBe(expected[interval]);
      for (const c of candles) {
        const pass = Math.floor((c.openTime - day0) / DAY);
        const k = (interval === '1m' ? oneMinute : fiveMinute).get(c.openTime - pass * DAY);
        expect(k, `${interval} ${c.openTime}: a window with no trade in the klines`).toBeDefined();
        for (const [f, ours, theirs] of [['open', c.open, k!.open], ['high', c.high, k!.high], ['low', c.low, k!.low], ['close', c.close, k!.close], ['volume', c.volume, k!.volume], ['quote', c.quoteVolume, k!.quoteVolume], ['takerBuy', c.takerBuyVolume, k!.takerBuyBaseVolume], ['takerBuyQuote', c.takerBuyQuoteVolume, k!.takerBuyQuoteVolume]] as [string, Decimal, Decimal][]) {
          if (!ours.equals(theirs)) expect.fail(`${interval} ${new Date(c.openTime).toISOString()} ${f}: ${ours.toString()} != ${theirs.toString()}`);
        }
        expect(c.tradeCount).toBe(k!.tradeCount);
        checked++;
      }
      const rows = lakeRows.filter((r) => r.interval === interval);
      expect(new Set(rows.map((r) => `${r.kafka_topic}/${r.kafka_partition}/${r.kafka_offset}`)).size, `${interval} lake duplicates`).toBe(rows.length);
      expect(rows.length, `${interval} lake rows`).toBe(candles.length);
      const byStart = new Map(candles.map((c) => [c.openTime, c]));
      for (const r of rows) {
        const c = byStart.get(Date.parse(String(r.open_time)))!;
        expect(c, `lake row ${r.open_time} not in the topic`).toBeDefined();
        expect(Decimal.parse(String(r.close)).equals(c.close) && Decimal.parse(String(r.quote_volume)).equals(c.quoteVolume) && r.trade_count === c.tradeCount).toBe(true);
      }
    }
    const kills = Object.fromEntries(all.map((a) => [a.name, a.kills]));
    const selfExits = Object.fromEntries(all.map((a) => [a.name, a.selfExits]));
    console.log(
      [
        'chaos report',
        `  trades replayed         ${PASSES * 3427} (${PASSES} passes of the real sample)`,
        `  kills survived          ${all.reduce((n, a) => n + a.kills, 0)} ${JSON.stringify(kills)}`,
        `  restarts after self-exit ${JSON.stringify(selfExits)} (broker restarts: ${brokerRestarts})`,
        `  candles checked         ${checked} (topics) + ${lakeRows.length} (lake rows)`,
        `  duplicates found        0`,
        `  gaps found              0`,
        `  seconds                 ${Math.round((Date.now() - started) / 1000)}`,
      ].join('\n'),
    );
    expect(all.reduce((n, a) => n + a.kills, 0)).toBeGreaterThanOrEqual(MIN_KILLS);
    expect(brokerRestarts).toBe(1);
  }, 900_000);
});

