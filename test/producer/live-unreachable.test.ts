import { createServer } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { uniqueName } from '../support/kafka.js';
import { ProducerProcess } from './support/producer-process.js';

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', () => resolve()));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

/** This machine has no internet: live mode must say the exchange is unreachable and keep trying. */
describe('producer live: exchange unreachable', () => {
  let producer: ProducerProcess | undefined;
  afterAll(async () => {
    await producer?.stop('SIGKILL');
  });

  it('says so clearly, retries with growing jittered backoff, is unhealthy, and exits 0 on SIGTERM', async () => {
    const url = `ws://127.0.0.1:${await closedPort()}`;
    const topic = uniqueName('trades-unreachable');
    producer = ProducerProcess.start(['live', '--backoff-initial', '100ms', '--backoff-max', '400ms', '--metrics-port', '0'], {
      BINANCE_WS_URL: url,
      SYMBOLS: 'BTCUSDT',
      EXCHANGES: 'binance',
      TRADES_TOPIC: topic,
      PRODUCER_DLQ_TOPIC: `${topic}-dlq`,
    });
    // The banner says what will run, with what.
    await producer.waitFor('banner', () => (producer?.stderr.includes('producer live') ? true : undefined));
    const unreachable = await producer.waitFor('four failed attempts', () => {
      const l = producer?.logs().filter((x) => x.msg.startsWith('cannot reach BINANCE'));
      return l && l.length >= 4 ? l : undefined;
    });
    expect(producer.stderr).toContain(`${url}/stream?streams=btcusdt@trade`);
    expect(unreachable[0]?.msg).toMatch(new RegExp(`^cannot reach BINANCE at ${url}/stream\\?streams=btcusdt@trade: .*ECONNREFUSED.*; retrying in \\d+\\.\\d s$`));
    expect(unreachable.map((l) => l.attempt)).toEqual([1, 2, 3, 4].slice(0, unreachable.length).map((n) => n));
    // Equal jitter: attempt n waits within [d/2, d], d = min(400, 100 * 2^(n-1)).
    for (const l of unreachable) {
      const d = Math.min(400, 100 * 2 ** ((l.attempt as number) - 1));
      expect(l.retryInMs as number).toBeGreaterThanOrEqual(d / 2);
      expect(l.retryInMs as number).toBeLessThanOrEqual(d);
    }
    const health = await producer.health();
    expect(health.status).toBe(503);
    expect(health.body.ok).toBe(false);
    const metrics = await producer.scrape();
    expect(metrics.get('candlestream_ws_reconnects_total', { exchange: 'BINANCE' })).toBeGreaterThanOrEqual(3);
    expect(metrics.get('candlestream_ws_connected', { exchange: 'BINANCE' })).toBe(0);

    const exit = await producer.stop('SIGTERM');
    expect(exit.code, producer.stderr.slice(-2000)).toBe(0);
    expect(producer.stderr).toMatch(/SIGTERM: stopping/);
    expect(producer.stderr).not.toMatch(/^error:/m);
  });
});
