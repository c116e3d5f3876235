import WebSocket from 'ws';
import type { Logger } from '@candlestream/metrics';
import type { ProducerMetrics } from '../metrics.js';
import { Backoff } from './backoff.js';

export interface FeedConnectionOptions {
  exchange: string;
  url: string;
  /** Text frames sent right after the connection opens (subscriptions). */
  subscribe: readonly string[];
  /** Replace the connection after this long (before the exchange's own limit); 0 = never. */
  rolloverMs: number;
  /** How long both connections deliver after the new one's first message, before the old one closes. */
  overlapMs: number;
  backoffInitialMs: number;
  backoffMaxMs: number;
  /** No message, ping or pong for this long means a dead connection: replace it. 0 = never. */
  staleMs: number;
  handshakeTimeoutMs: number;
  /** Every text frame of every connection (duplicates across an overlap included), in arrival order. */
  onMessage(raw: string, receivedTime: number): void;
  log: Logger;
  metrics: ProducerMetrics;
}

/** The options that come from configuration: one feed's address and subscriptions, and the timings. */
export type ConfiguredFeed = Omit<FeedConnectionOptions, 'onMessage' | 'log' | 'metrics'>;

export function configuredFeed(
  feed: Pick<FeedConnectionOptions, 'exchange' | 'url' | 'subscribe'>,
  t: Pick<FeedConnectionOptions, 'rolloverMs' | 'overlapMs' | 'backoffInitialMs' | 'backoffMaxMs' | 'staleMs' | 'handshakeTimeoutMs'>,
): ConfiguredFeed {
  return {
    exchange: feed.exchange,
    url: feed.url,
    subscribe: feed.subscribe,
    rolloverMs: t.rolloverMs,
    overlapMs: t.overlapMs,
    backoffInitialMs: t.backoffInitialMs,
    backoffMaxMs: t.backoffMaxMs,
    staleMs: t.staleMs,
    handshakeTimeoutMs: t.handshakeTimeoutMs,
  };
}

type Role = 'current' | 'next' | 'retiring';

interface Conn {
  id: number;
  ws: WebSocket;
  role: Role;
  startedAt: number;
  openedAt?: number;
  firstMessageAt?: number;
  lastActivity: number;
  messages: number;
  error?: string;
  timers: NodeJS.Timeout[];
}

export interface FeedConnectionStatus {
  exchange: string;
  url: string;
  connected: boolean;
  connections: number;
  messages: number;
  reconnects: number;
  rollovers: number;
  lastMessageAgoMs: number | null;
  lastPingAgoMs: number | null;
  lastError: string | null;
}

/**
 * One exchange's WebSocket feed, kept alive for as long as the producer runs.
 *
 * - **Pings**: `ws` answers protocol pings with pongs by itself (`autoPong`, on by default); the
 *   time of the last ping is kept (status and a gauge) because Binance closes connections that stop
 *   answering, so a ping drought is the first sign of trouble.
 * - **Reconnect**: an unexpected close (or no traffic for `staleMs`) opens a new connection after a
 *   jittered exponential backoff; the backoff resets once a connection delivers. An exchange that
 *   cannot be reached is said so, once per attempt, with the next delay.
 * - **Rollover**: exchanges end connections at an age limit (Binance: 24 h). Before that, a second
 *   connection is opened; once it has delivered its first message, both deliver for `overlapMs`,
 *   then the old one is closed. Trades seen on both are dropped downstream by trade id, so nothing
 *   is lost and nothing is doubled.
 */
export class FeedConnection {
  private current: Conn | undefined;
  private next: Conn | undefined;
  private readonly retiring = new Set<Conn>();
  private readonly backoff: Backoff;
  private readonly rolloverBackoff: Backoff;
  private nextId = 1;
  private stopping = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private staleTimer: NodeJS.Timeout | undefined;
  private lastMessageAt: number | undefined;
  private lastPingAt: number | undefined;
  private lastError: string | undefined;
  private messages = 0;
  private reconnects = 0;
  private rollovers = 0;

  constructor(private readonly o: FeedConnectionOptions) {
    this.backoff = new Backoff(o.backoffInitialMs, o.backoffMaxMs);
    this.rolloverBackoff = new Backoff(o.backoffInitialMs, o.backoffMaxMs);
  }

  start(): void {
    this.current = this.open('current');
    if (this.o.staleMs > 0) {
      this.staleTimer = setInterval(() => this.checkStale(), Math.max(50, Math.floor(this.o.staleMs / 4)));
      this.staleTimer.unref();
    }
  }

  status(): FeedConnectionStatus {
    const now = Date.now();
    const open = [this.current, this.next, ...this.retiring].filter((c) => c?.ws.readyState === WebSocket.OPEN);
    return {
      exchange: this.o.exchange,
      url: this.o.url,
      connected: this.current?.ws.readyState === WebSocket.OPEN,
      connections: open.length,
      messages: this.messages,
      reconnects: this.reconnects,
      rollovers: this.rollovers,
      lastMessageAgoMs: this.lastMessageAt === undefined ? null : now - this.lastMessageAt,
      lastPingAgoMs: this.lastPingAt === undefined ? null : now - this.lastPingAt,
      lastError: this.lastError ?? null,
    };
  }

  /** Closes every connection (close handshake, then terminate after `graceMs`). */
  async stop(graceMs = 2_000): Promise<void> {
    this.stopping = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.staleTimer) clearInterval(this.staleTimer);
    const conns = [this.current, this.next, ...this.retiring].filter((c): c is Conn => c !== undefined);
    await Promise.all(conns.map((c) => closeConn(c, 1000, 'shutdown', graceMs)));
    this.o.metrics.wsConnected.set({ exchange: this.o.exchange }, 0);
  }

  private open(role: Role): Conn {
    const { o } = this;
    const ws = new WebSocket(o.url, { handshakeTimeout: o.handshakeTimeoutMs });
    const conn: Conn = { id: this.nextId++, ws, role, startedAt: Date.now(), lastActivity: Date.now(), messages: 0, timers: [] };
    ws.on('open', () => this.onOpen(conn));
    ws.on('message', (data, isBinary) => this.onFrame(conn, data, isBinary));
    ws.on('ping', () => {
      conn.lastActivity = this.lastPingAt = Date.now();
      o.metrics.wsLastPing.set({ exchange: o.exchange }, this.lastPingAt / 1000);
    });
    ws.on('pong', () => {
      conn.lastActivity = Date.now();
    });
    ws.on('error', (err) => {
      conn.error = err.message || String(err);
      this.lastError = conn.error;
    });
    ws.on('close', (code, reason) => this.onClose(conn, code, reason.toString()));
    return conn;
  }

  private onOpen(conn: Conn): void {
    const { o } = this;
    conn.openedAt = conn.lastActivity = Date.now();
    for (const frame of o.subscribe) conn.ws.send(frame);
    o.log.info(conn.role === 'next' ? 'rollover connection open' : 'connected', {
      exchange: o.exchange,
      url: o.url,
      connection: conn.id,
      subscriptions: o.subscribe.length,
    });
    this.updateGauge();
    if (conn.role === 'current') this.scheduleRollover(conn);
    else if (conn.role === 'next') {
      // A rollover connection that never delivers is replaced, not waited for forever.
      const limit = Math.max(10_000, 2 * o.overlapMs, o.staleMs);
      conn.timers.push(setTimeout(() => {
        if (conn.firstMessageAt === undefined && this.next === conn) {
          o.log.warn('rollover connection delivered nothing; closing it and trying again', { exchange: o.exchange, connection: conn.id, waitedMs: limit });
          conn.ws.terminate();
        }
      }, limit));
    }
  }

  private onFrame(conn: Conn, data: WebSocket.RawData, isBinary: boolean): void {
    const now = Date.now();
    conn.lastActivity = now;
    conn.messages++;
    this.messages++;
    // The gauge is set at most once a second: a busy feed sends thousands of frames a second.
    if (this.lastMessageAt === undefined || Math.floor(now / 1000) !== Math.floor(this.lastMessageAt / 1000)) {
      this.o.metrics.wsLastMessage.set({ exchange: this.o.exchange }, now / 1000);
    }
    this.lastMessageAt = now;
    if (conn.firstMessageAt === undefined) {
      conn.firstMessageAt = now;
      if (conn.role === 'current') this.backoff.reset();
      if (conn.role === 'next') {
        this.rolloverBackoff.reset();
        conn.timers.push(setTimeout(() => this.promote(conn), this.o.overlapMs));
      }
    }
    const raw = isBinary ? Buffer.from(data as Buffer).toString('utf8') : data.toString();
    this.o.onMessage(raw, now);
  }

  private scheduleRollover(conn: Conn): void {
    const { rolloverMs } = this.o;
    if (rolloverMs <= 0) return;
    const age = Date.now() - (conn.openedAt ?? conn.startedAt);
    conn.timers.push(setTimeout(() => this.startRollover(conn), Math.max(0, rolloverMs - age)));
  }

  private startRollover(from: Conn): void {
    if (this.stopping || this.current !== from || this.next) return;
    this.rollovers++;
    this.o.metrics.wsRollovers.inc({ exchange: this.o.exchange });
    this.o.log.info('rollover: opening a new connection before the exchange closes this one', {
      exchange: this.o.exchange,
      connection: from.id,
      ageMs: Date.now() - (from.openedAt ?? from.startedAt),
    });
    this.next = this.open('next');
  }

  /** The new connection has delivered for `overlapMs`: it becomes current, the old one closes. */
  private promote(conn: Conn): void {
    if (this.stopping || this.next !== conn) return;
    const old = this.current;
    this.next = undefined;
    conn.role = 'current';
    this.current = conn;
    if (old) {
      old.role = 'retiring';
      this.retiring.add(old);
      clearTimers(old);
      void closeConn(old, 1000, 'rollover', 5_000);
    }
    this.o.log.info('rollover complete', { exchange: this.o.exchange, connection: conn.id, closed: old?.id ?? null });
    this.updateGauge();
    this.scheduleRollover(conn);
  }

  private onClose(conn: Conn, code: number, reason: string): void {
    const { o } = this;
    clearTimers(conn);
    this.retiring.delete(conn);
    this.updateGauge();
    if (this.stopping || conn.role === 'retiring') return;
    const detail = {
      exchange: o.exchange,
      url: o.url,
      connection: conn.id,
      code,
      reason: reason || null,
      error: conn.error ?? null,
      messages: conn.messages,
    };
    if (conn.role === 'next') {
      this.next = undefined;
      const delay = this.rolloverBackoff.next();
      o.log.warn('rollover connection failed; the current one keeps delivering', { ...detail, retryInMs: delay });
      const current = this.current;
      if (current) current.timers.push(setTimeout(() => this.startRollover(current), delay));
      return;
    }
    // The current connection is gone. A rollover connection, open or opening, takes over at once.
    const next = this.next;
    if (next) {
      o.log.warn('connection closed during a rollover; the new connection takes over', detail);
      this.next = undefined;
      clearTimers(next);
      next.role = 'current';
      this.current = next;
      if (next.openedAt !== undefined) this.scheduleRollover(next);
      this.updateGauge();
      return;
    }
    this.current = undefined;
    const delay = this.backoff.next();
    const attempt = this.backoff.attempts;
    if (conn.openedAt === undefined) {
      o.log.limited('error', `unreachable:${o.exchange}:${attempt > 8 ? 'many' : attempt}`, `cannot reach ${o.exchange} at ${o.url}: ${conn.error ?? `closed with code ${code}`}; retrying in ${(delay / 1000).toFixed(1)} s`, {
        ...detail,
        attempt,
        retryInMs: delay,
        hint: 'no network, a firewall, or a wrong URL (set the exchange URL variable, e.g. BINANCE_WS_URL)',
      }, attempt > 8 ? 60_000 : 0);
    } else {
      o.log.warn(`connection to ${o.exchange} closed; reconnecting in ${(delay / 1000).toFixed(1)} s`, { ...detail, attempt, retryInMs: delay });
    }
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.stopping) return;
      this.reconnects++;
      o.metrics.wsReconnects.inc({ exchange: o.exchange });
      this.current = this.open('current');
    }, delay);
  }

  private checkStale(): void {
    const now = Date.now();
    for (const conn of [this.current, this.next]) {
      if (!conn || conn.openedAt === undefined) continue;
      if (now - conn.lastActivity > this.o.staleMs) {
        this.o.log.warn('no message or ping for too long; dropping the connection', {
          exchange: this.o.exchange,
          connection: conn.id,
          silentMs: now - conn.lastActivity,
        });
        conn.lastActivity = now;
        conn.ws.terminate();
      }
    }
  }

  private updateGauge(): void {
    const open = [this.current, this.next, ...this.retiring].filter((c) => c?.ws.readyState === WebSocket.OPEN).length;
    this.o.metrics.wsConnected.set({ exchange: this.o.exchange }, open);
  }
}

function clearTimers(conn: Conn): void {
  for (const t of conn.timers) clearTimeout(t);
  conn.timers = [];
}

/** Close handshake, then a hard terminate if the peer does not answer within `graceMs`. */
function closeConn(conn: Conn, code: number, reason: string, graceMs: number): Promise<void> {
  const { ws } = conn;
  if (ws.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => ws.terminate(), graceMs);
    ws.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
    else ws.close(code, reason);
  });
}
