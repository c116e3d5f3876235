import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseBinanceTradesCsv, type Trade } from '@candlestream/market';
import { describe, expect, it } from 'vitest';
import { readTopic, uniqueName } from '../support/kafka.js';
import { expectExactlyTrades, serdeFor } from './support/expect-trades.js';
import { ProducerProcess } from './support/producer-process.js';

const CSV = fileURLToPath(new URL('../../../shared/data/binance/trades/BTCUSDT-trades-2017-08-17.csv', import.meta.url));
const DAY = 86_400_000;

describe('producer replay --transactional-id (exactly once across SIGKILL and restart)', () => {
  it('a paced, looped replay killed at 3 random moments and restarted writes every trade of both passes exactly once', async () => {
    const topic = uniqueName('trades-eos');
    const positions = uniqueName('positions-eos');
    const txId = uniqueName('replay-eos');
    // ~12 s of trades per pass at x6000 (the sample spans ~20 h).
    const args = ['replay', '--speed', 'x6000', '--loop', '2', '--transactional-id', txId, '--positions-topic', positions, '--topic', topic, '--dlq-topic', `${topic}-dlq`, '--metrics-port', 'off', CSV];
    const banners: string[] = [];
    for (let kill = 0; kill < 3; kill++) {
      const p = ProducerProcess.start(args);
      await p.waitForLog('exactly-once replay');
      await new Promise((r) => setTimeout(r, 500 + Math.random() * 3000));
      expect(p.child.exitCode, p.stderr).toBeNull();
      const exit = await p.stop('SIGKILL');
      expect(exit.signal).toBe('SIGKILL');
      banners.push(/exactly once .*: (.*)/.exec(p.stderr)?.[1] ?? '');
    }
    const last = await ProducerProcess.run(args);
    expect(last.code, last.stderr).toBe(0);
    banners.push(/exactly once .*: (.*)/.exec(last.stderr)?.[1] ?? '');
    expect(banners[0]).toBe('starting from the beginning');
    for (const b of banners.slice(1)) expect(b).toMatch(/^resuming at pass [01], input 0, line \d+$/);

    const once = parseBinanceTradesCsv(readFileSync(CSV, 'utf8'), { symbol: 'BTCUSDT', receivedTime: 0 });
    // Pass 2: ids continue after pass 1's, times exactly one day later (the span rounded up to days).
    const expected: Trade[] = [...once, ...once.map((t) => ({ ...t, tradeId: t.tradeId + once.length, tradeTime: t.tradeTime + DAY }))];
    const messages = await readTopic(topic, { isolation: 'read_committed' });
    expect(messages).toHaveLength(6854);
    const got = expectExactlyTrades(messages, await serdeFor(topic), expected);
    // One key, one partition: in order.
    expect(got.map((t) => t.tradeId)).toEqual(expected.map((t) => t.tradeId));

    // The final position is committed: a finished replay restarted with the same id produces nothing.
    const again = await ProducerProcess.run(args);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/resuming at pass 2, input 0, line 0/);
    expect(again.stdout).toMatch(/replayed 0 trades/);
    expect(await readTopic(topic, { isolation: 'read_committed' })).toHaveLength(6854);
    const committed = await readTopic(positions, { isolation: 'read_committed' });
    expect(committed.filter((m) => m.key?.toString() === txId).map((m) => JSON.parse(String(m.value)) as unknown).at(-1)).toEqual({ pass: 2, input: 0, line: 0 });
  }, 120_000);
});
