import type { AddressInfo } from 'node:net';
import { createLogger } from '@candlestream/metrics';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { ProducerMetrics } from '../metrics.js';
import { FeedConnection, type FeedConnectionOptions } from './feed-connection.js';

interface ServerConn {
  id: number;
  ws: WebSocket;
  received: string[];
  pongs: number;
  open: boolean;
}

/** A bare WebSocket server that numbers its connections and sends `tick-<conn>-<n>` every 10 ms. */
async function server(opts: { ping?: boolean } = {}) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const conns: ServerConn[] = [];
  wss.on('connection', (ws) => {
    const c: ServerConn = { id: conns.length + 1, ws, received: [], pongs: 0, open: true };
    conns.push(c);
    ws.on('message', (d) => c.received.push(String(d)));
    ws.on('pong', () => c.pongs++);
    ws.on('close', () => (c.open = false));
    let n = 0;
    const t = setInterval(() => {
      if (opts.ping) ws.ping();
      ws.send(`tick-${c.id}-${n++}`);
    }, 10);
    ws.on('close', () => clearInterval(t));
  });
  return { wss, conns, url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}` };
}

const until = async (what: string, ok: () => boolean, ms = 5000): Promise<void> => {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  // Last registered first: the client stops before its server closes.
  for (const f of cleanup.splice(0).reverse()) await f();
});

function connect(url: string, over: Partial<FeedConnectionOptions> = {}) {
  const got: string[] = [];
  const logs: Record<string, unknown>[] = [];
  const metrics = new ProducerMetrics();
  const feed = new FeedConnection({
    exchange: 'BINANCE',
    url,
    subscribe: ['{"op":"subscribe"}'],
    rolloverMs: 0,
    overlapMs: 100,
    backoffInitialMs: 20,
    backoffMaxMs: 100,
    staleMs: 0,
    handshakeTimeoutMs: 2000,
    log: createLogger('test', { write: (l) => logs.push(JSON.parse(l) as Record<string, unknown>) }),
    metrics,
    onMessage: (raw) => got.push(raw),
    ...over,
  });
  feed.start();
  cleanup.push(() => feed.stop());
  return { feed, got, logs, metrics };
}

describe('FeedConnection', () => {
  it('subscribes on open, answers protocol pings (ws auto-pong) and records when the last ping came', async () => {
    const s = await server({ ping: true });
    cleanup.push(() => new Promise((r) => s.wss.close(() => r())));
    const { feed, got, metrics } = connect(s.url);
    await until('pongs', () => (s.conns[0]?.pongs ?? 0) >= 3);
    expect(s.conns[0]?.received).toEqual(['{"op":"subscribe"}']);
    expect(got.length).toBeGreaterThan(0);
    const st = feed.status();
    expect(st).toMatchObject({ connected: true, connections: 1, reconnects: 0 });
    expect(st.lastPingAgoMs).not.toBeNull();
    expect(await metrics.value('ws_last_ping_timestamp_seconds')).toBeGreaterThan(Date.now() / 1000 - 5);
  });

  it('reconnects with backoff after the server drops it, counting the reconnect', async () => {
    const s = await server();
    cleanup.push(() => new Promise((r) => s.wss.close(() => r())));
    const { got, logs, metrics } = connect(s.url);
    await until('first ticks', () => got.length > 3);
    s.conns[0]?.ws.terminate();
    await until('second connection delivers', () => got.some((m) => m.startsWith('tick-2-')));
    expect(s.conns[1]?.received).toEqual(['{"op":"subscribe"}']);
    expect(await metrics.value('ws_reconnects_total', { exchange: 'BINANCE' })).toBe(1);
    expect(logs.find((l) => String(l.msg).startsWith('connection to BINANCE closed; reconnecting in'))).toMatchObject({ code: 1006, attempt: 1 });
  });

  it('rolls over before the age limit: opens a second connection, overlaps, then closes the first; nothing in between is missed', async () => {
    const s = await server();
    cleanup.push(() => new Promise((r) => s.wss.close(() => r())));
    const { got, metrics } = connect(s.url, { rolloverMs: 150, overlapMs: 80 });
    await until('two rollovers', () => s.conns.length >= 3);
    await until('third delivers', () => got.some((m) => m.startsWith('tick-3-')));
    const [c1, c2] = s.conns;
    expect(c1?.open).toBe(false);
    // During the overlap both connections delivered: the last tick of #1 came after the first of #2.
    const lastOf1 = got.lastIndexOf(got.filter((m) => m.startsWith('tick-1-')).pop() as string);
    const firstOf2 = got.findIndex((m) => m.startsWith('tick-2-'));
    expect(lastOf1).toBeGreaterThan(firstOf2);
    // #1's ticks are gap-free up to its close: nothing was lost when it was retired.
    const ticks1 = got.filter((m) => m.startsWith('tick-1-')).map((m) => Number(m.split('-')[2]));
    expect(ticks1).toEqual(ticks1.map((_, i) => i));
    expect(c2?.received).toEqual(['{"op":"subscribe"}']);
    expect(await metrics.value('ws_rollovers_total')).toBeGreaterThanOrEqual(2);
    expect(await metrics.value('ws_reconnects_total')).toBe(0);
  });

  it('lets the rollover connection take over when the old one dies during the overlap: no reconnect', async () => {
    const s = await server();
    cleanup.push(() => new Promise((r) => s.wss.close(() => r())));
    const { got, logs, metrics, feed } = connect(s.url, { rolloverMs: 200, overlapMs: 5000 });
    await until('rollover connection delivers', () => got.some((m) => m.startsWith('tick-2-')));
    s.conns[0]?.ws.terminate();
    const before = got.filter((m) => m.startsWith('tick-2-')).length;
    await until('the new one keeps delivering', () => got.filter((m) => m.startsWith('tick-2-')).length > before + 3);
    expect(logs.some((l) => l.msg === 'connection closed during a rollover; the new connection takes over')).toBe(true);
    expect(await metrics.value('ws_reconnects_total')).toBe(0);
    expect(feed.status().connected).toBe(true);
  });

  it('drops a connection that goes silent and opens a new one', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((r) => wss.once('listening', () => r()));
    cleanup.push(() => new Promise((r) => wss.close(() => r())));
    let connections = 0;
    wss.on('connection', () => connections++); // accepts, then says nothing
    const { logs } = connect(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, { staleMs: 150 });
    await until('a second connection', () => connections >= 2);
    expect(logs.some((l) => l.msg === 'no message or ping for too long; dropping the connection')).toBe(true);
  });

  it('keeps retrying an unreachable exchange, saying so on every attempt', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((r) => wss.once('listening', () => r()));
    const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
    await new Promise((r) => wss.close(() => r(undefined)));
    const { feed, logs } = connect(url);
    await until('three attempts', () => logs.filter((l) => String(l.msg).startsWith('cannot reach BINANCE')).length >= 3);
    expect(feed.status()).toMatchObject({ connected: false, connections: 0 });
    expect(feed.status().lastError).toMatch(/ECONNREFUSED/);
  });
});
