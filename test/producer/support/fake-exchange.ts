import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export type Protocol = 'binance' | 'coinbase' | 'kraken-v1' | 'kraken-v2';

/** One frame of the market's timeline. `once`: sent to one connection only and never re-sent. */
export interface MarketFrame {
  text: string;
  once?: boolean;
}

export interface FakeExchangeOptions {
  protocol: Protocol;
  frames: readonly MarketFrame[];
  /** Frames released per tick, and the tick. */
  batch: number;
  intervalMs: number;
  /** Protocol ping every this many ms (0 = none). */
  pingIntervalMs?: number;
  /** The exchange's connection age limit: close (1001) connections older than this. 0 = none. */
  maxConnectionAgeMs?: number;
  /** A new subscriber first gets the last this many frames again, as exchanges re-send recent trades. */
  resend?: number;
  /** Terminate every connection (no close handshake) when the market reaches these positions. */
  dropAt?: readonly number[];
}

export interface ConnectionLog {
  id: number;
  path: string;
  openedAt: number;
  subscribedAt?: number;
  closedAt?: number;
  closedBy?: 'client' | 'age-limit' | 'drop' | 'shutdown';
  subscribe: string[];
  pongs: number;
  pings: number;
  framesSent: number;
}

interface Conn {
  log: ConnectionLog;
  ws: WebSocket;
  subscribed: boolean;
}

/**
 * A local WebSocket server speaking one exchange's public trade protocol, replaying a recorded
 * market: one timeline released a batch per tick to every subscribed connection (as a broadcast, so
 * two overlapping connections see the same frames). The market pauses while nobody is subscribed,
 * and a new subscriber first gets `resend` recent frames again: so with a client that reconnects,
 * every frame reaches it at least once, and the duplicates are the client's to drop.
 *
 * Binance: streams chosen in the URL (`/stream?streams=a@trade/b@trade`), protocol pings.
 * Coinbase: a `subscribe` message, answered with `subscriptions`. Kraken v1/v2: `subscribe` event or
 * method, answered with `subscriptionStatus` / a method response.
 */
export class FakeExchange {
  readonly connections: ConnectionLog[] = [];
  position = 0;
  maxConcurrent = 0;
  private readonly conns = new Set<Conn>();
  private readonly drops: Set<number>;
  private tick: NodeJS.Timeout | undefined;
  private ping: NodeJS.Timeout | undefined;
  private finished!: () => void;
  /** Resolves when the whole timeline has been released. */
  readonly done: Promise<void>;
  private nextId = 1;

  private constructor(
    private readonly wss: WebSocketServer,
    private readonly o: FakeExchangeOptions,
  ) {
    this.done = new Promise((resolve) => (this.finished = resolve));
    this.drops = new Set(o.dropAt ?? []);
    wss.on('connection', (ws, req) => this.onConnection(ws, req.url ?? '/'));
    this.tick = setInterval(() => this.release(), o.intervalMs);
    if (o.pingIntervalMs) {
      this.ping = setInterval(() => {
        for (const c of this.conns) {
          c.log.pings++;
          c.ws.ping();
        }
      }, o.pingIntervalMs);
    }
  }

  static async start(o: FakeExchangeOptions): Promise<FakeExchange> {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
    return new FakeExchange(wss, o);
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.wss.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    clearInterval(this.tick);
    clearInterval(this.ping);
    for (const c of this.conns) {
      c.log.closedBy ??= 'shutdown';
      c.ws.terminate();
    }
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private onConnection(ws: WebSocket, path: string): void {
    const log: ConnectionLog = { id: this.nextId++, path, openedAt: Date.now(), subscribe: [], pongs: 0, pings: 0, framesSent: 0 };
    this.connections.push(log);
    const conn: Conn = { log, ws, subscribed: false };
    this.conns.add(conn);
    this.maxConcurrent = Math.max(this.maxConcurrent, this.conns.size);
    ws.on('pong', () => log.pongs++);
    ws.on('close', () => {
      this.conns.delete(conn);
      log.closedAt = Date.now();
      log.closedBy ??= 'client';
    });
    ws.on('message', (data) => {
      const text = String(data);
      log.subscribe.push(text);
      const reply = this.subscribeReply(text);
      if (reply !== undefined) {
        for (const r of reply) ws.send(r);
        this.subscribe(conn);
      }
    });
    if (this.o.protocol === 'binance' && /^\/stream\?streams=[a-z0-9@/]+$/.test(path)) this.subscribe(conn);
    if (this.o.maxConnectionAgeMs) {
      const t = setTimeout(() => {
        if (!this.conns.has(conn)) return;
        log.closedBy = 'age-limit';
        ws.close(1001, 'connection age limit');
      }, this.o.maxConnectionAgeMs);
      ws.on('close', () => clearTimeout(t));
    }
  }

  /** The frames that answer a subscribe request, or undefined if `text` is not one. */
  private subscribeReply(text: string): string[] | undefined {
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return undefined;
    }
    switch (this.o.protocol) {
      case 'coinbase':
        return msg.type === 'subscribe' ? [JSON.stringify({ type: 'subscriptions', channels: [{ name: 'matches', product_ids: msg.product_ids }] })] : undefined;
      case 'kraken-v1':
        return msg.event === 'subscribe' ? [] : undefined;
      case 'kraken-v2':
        return msg.method === 'subscribe' ? [JSON.stringify({ method: 'subscribe', result: { channel: 'trade' }, success: true })] : undefined;
      default:
        return undefined;
    }
  }

  private subscribe(conn: Conn): void {
    if (conn.subscribed) return;
    conn.subscribed = true;
    conn.log.subscribedAt = Date.now();
    const from = Math.max(0, this.position - (this.o.resend ?? 0));
    for (let i = from; i < this.position; i++) {
      const f = this.o.frames[i] as MarketFrame;
      if (!f.once) this.sendTo(conn, f.text);
    }
  }

  private sendTo(conn: Conn, text: string): void {
    conn.ws.send(text);
    conn.log.framesSent++;
  }

  private release(): void {
    const subscribed = [...this.conns].filter((c) => c.subscribed && c.ws.readyState === c.ws.OPEN);
    if (subscribed.length === 0 || this.position >= this.o.frames.length) return;
    const end = Math.min(this.o.frames.length, this.position + this.o.batch);
    for (; this.position < end; this.position++) {
      const f = this.o.frames[this.position] as MarketFrame;
      if (this.drops.delete(this.position)) {
        for (const c of subscribed) {
          c.log.closedBy = 'drop';
          c.ws.terminate();
        }
        return;
      }
      // A frame marked `once` goes to the newest connection only.
      const targets = f.once ? subscribed.slice(-1) : subscribed;
      for (const c of targets) this.sendTo(c, f.text);
    }
    if (this.position >= this.o.frames.length) this.finished();
  }
}
