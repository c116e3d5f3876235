import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseBinanceMessage } from '../../apps/producer/src/exchanges/binance.js';
import { readTopic, uniqueName } from '../support/kafka.js';
import { FakeExchange } from './support/fake-exchange.js';
import { dataLines, expectExactlyTrades, serdeFor } from './support/expect-trades.js';
import { ProducerProcess } from './support/producer-process.js';

/** `producer record` keeps the raw frames byte for byte in rotating files that `producer replay` reads back. */
describe('producer record', () => {
  const dir = mkdtempSync(join(tmpdir(), 'producer-record-'));
  let server: FakeExchange | undefined;
  let recorder: ProducerProcess | undefined;
  afterAll(async () => {
    await recorder?.stop('SIGKILL');
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes every frame to size-rotated JSONL files, and a replay of them produces the trades', async () => {
    // Everything a BTCUSDT combined stream delivered in 15 s: trades, bookTicker, depth.
    const lines = dataLines('ws/binance/hftbacktest-spot-btcusdt-allstreams-15s.jsonl');
    server = await FakeExchange.start({ protocol: 'binance', frames: lines.map((text) => ({ text })), batch: 50, intervalMs: 10 });
    recorder = ProducerProcess.start(['record', '--out', dir, '--rotate-size', '64kb', '--metrics-port', 'off'], {
      BINANCE_WS_URL: server.url,
      SYMBOLS: 'BTCUSDT',
    });
    const expectedText = `${lines.join('\n')}\n`;
    await server.done;
    // Frames reach the files asynchronously: wait until every byte is there.
    const files = (): string[] => recorder?.logs().filter((l) => l.msg === 'recording to a new file').map((l) => l.file as string) ?? [];
    await recorder.waitFor('all frames on disk', () => {
      const size = files().reduce((n, f) => n + statSync(f).size, 0);
      return size >= Buffer.byteLength(expectedText) ? true : undefined;
    });
    const exit = await recorder.stop('SIGTERM');
    expect(exit.code, recorder.stderr).toBe(0);
    expect(recorder.stdout).toContain(`recorded ${lines.length} frames to ${files().length} file(s)`);

    const written = files();
    expect(written.length).toBeGreaterThanOrEqual(6); // ~400 kB in 64 kB files
    for (const f of written) {
      expect(f).toMatch(/\/binance-\d{4}-\d{2}-\d{2}T[\d-]+\.\d{3}Z-\d{4}\.jsonl$/);
      expect(statSync(f).size).toBeLessThanOrEqual(64 * 1024);
    }
    expect(written.map((f) => readFileSync(f, 'utf8')).join('')).toBe(expectedText);

    const topic = uniqueName('trades-recorded');
    const res = await ProducerProcess.run(['replay', '--topic', topic, '--dlq-topic', `${topic}-dlq`, '--metrics-port', 'off', ...written]);
    expect(res.code, res.stderr).toBe(0);
    const trades = lines.flatMap((l) => {
      const r = parseBinanceMessage(l, 0);
      return r.kind === 'trades' ? r.trades : [];
    });
    expect(trades).toHaveLength(283);
    expect(res.stdout).toContain(`replayed 283 trades from ${lines.length} lines`);
    expect(res.stdout).toContain(`${lines.length - 283} ignored`);
    expectExactlyTrades(await readTopic(topic), await serdeFor(topic), trades);
  });
});
