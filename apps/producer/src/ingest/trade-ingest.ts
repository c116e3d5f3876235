import { createHash } from 'node:crypto';
import type { MessageHeader } from '@confluentinc/kafka-javascript/types/rdkafka.js';
import type { AvroSerde } from '@candlestream/kafka';
import { tradeKey, type Trade } from '@candlestream/market';
import type { Logger } from '@candlestream/metrics';
import type { TradeIdTracker } from '../exchanges/gaps.js';
import type { ExchangeParser, ParseResult } from '../exchanges/types.js';
import type { Inc, ProducerMetrics } from '../metrics.js';
import type { OutgoingRecord } from '../kafka/kafka-sink.js';
import type { GapReporter } from './gap-reporter.js';

/** Dead letters keep at most this much of a frame (see `malformed`). */
export const MAX_DEAD_LETTER_BYTES = 512 * 1024;

/** Where records go: the Kafka sink, or a fake in unit tests. */
export interface RecordSink {
  key(key: string, delivered?: Inc): Buffer;
  send(rec: OutgoingRecord): void;
}

export interface TradeIngestOptions {
  topic: string;
  dlqTopic: string;
  serde: Pick<AvroSerde<Trade>, 'serialize'>;
  sink: RecordSink;
  metrics: ProducerMetrics;
  log: Logger;
  tracker: TradeIdTracker;
  gaps: GapReporter;
  /** Exchanges whose trade ids are consecutive per symbol: only these get gap detection. */
  consecutiveIds: ReadonlySet<string>;
  /** Observe exchange-to-receive lag (live only: a replay's trade times are in the past). */
  observeLag: boolean;
}

interface SymbolState {
  key: Buffer;
  received: Inc;
  duplicates: Inc;
}

/** Counts of what the ingest did, for status lines and tests. */
export interface IngestStats {
  frames: number;
  trades: number;
  duplicates: number;
  published: number;
  ignored: number;
  malformed: number;
}

/**
 * The one path every trade takes, live or replayed: parse (exchange parser), count, drop duplicates
 * by (exchange, symbol, trade id), note id gaps, encode with the registered Avro schema and hand the
 * record to the sink (key `<EXCHANGE>:<SYMBOL>`, timestamp = trade time). A frame that is not a trade
 * and should have been is counted by reason, logged once per reason a minute, and dead-lettered raw
 * with headers saying why, from where and when; nothing here throws on bad input.
 */
export class TradeIngest {
  private readonly symbols = new Map<string, Map<string, SymbolState>>();
  private readonly dlqKeys = new Map<string, Buffer>();
  private readonly lag = new Map<string, { observe(v: number): void }>();
  readonly stats: IngestStats = { frames: 0, trades: 0, duplicates: 0, published: 0, ignored: 0, malformed: 0 };

  constructor(private readonly o: TradeIngestOptions) {}

  /** One raw text frame (live WebSocket message or a line of a JSONL recording). */
  frame(parser: ExchangeParser, raw: string, receivedTime: number, source: string): ParseResult {
    const result = parser.parse(raw, receivedTime);
    this.parsed(parser.exchange, raw, result, receivedTime, source);
    return result;
  }

  /** A frame already parsed (a replay parses first, to pace by the trades' times). */
  parsed(exchange: string, raw: string, result: ParseResult, receivedTime: number, source: string): void {
    this.stats.frames++;
    if (result.kind === 'trades') {
      for (const t of result.trades) this.trade(t, raw, source);
    } else if (result.kind === 'ignored') {
      this.stats.ignored++;
      this.o.metrics.ignoredMessages.inc({ exchange, reason: result.reason });
    } else {
      this.malformed(exchange, raw, result.reason, receivedTime, source);
    }
  }

  /** One trade; `raw` is what to dead-letter if it cannot be encoded. */
  trade(t: Trade, raw: string, source: string): void {
    const o = this.o;
    this.stats.trades++;
    const s = this.symbolState(t);
    s.received.inc();
    if (o.observeLag) this.observeLag(t);
    const seen = o.tracker.observe(t);
    if (seen === 'duplicate') {
      this.stats.duplicates++;
      s.duplicates.inc();
      return;
    }
    if (seen !== 'new' && o.consecutiveIds.has(t.exchange)) o.gaps.observed(t.exchange, t.symbol, seen.gap, Date.now());
    let value: Buffer;
    try {
      value = o.serde.serialize(t);
    } catch {
      // Only a value the schema cannot hold gets here (the serde says which in its message); the
      // parsers already refuse most such values, a CSV dump does not.
      this.malformed(t.exchange, raw, 'encode-failed', t.receivedTime, source);
      return;
    }
    this.stats.published++;
    o.sink.send({ topic: o.topic, key: s.key, value, timestamp: t.tradeTime });
  }

  /** Counts, logs (once per reason a minute) and dead-letters a frame that is not what it should be. */
  malformed(exchange: string, raw: string, reason: string, receivedTime: number, source: string): void {
    const o = this.o;
    this.stats.malformed++;
    o.metrics.malformedMessages.inc({ exchange, reason });
    o.log.limited('warn', `malformed:${exchange}:${reason}`, 'malformed message dead-lettered (logged once per reason a minute)', {
      exchange,
      reason,
      source,
      deadLetterTopic: o.dlqTopic,
      sample: raw.length > 300 ? `${raw.slice(0, 300)}...` : raw,
    });
    const headers: MessageHeader[] = [
      { 'dlq.error.reason': reason },
      { 'dlq.exchange': exchange },
      { 'dlq.received.time': String(receivedTime) },
      { 'dlq.source': source },
    ];
    let value = Buffer.from(raw, 'utf8');
    if (value.length > MAX_DEAD_LETTER_BYTES) {
      // The broker refuses records over its message size (1 MB by default), and a refused dead
      // letter would fail the whole run. Keep the head of the frame, and its size and hash to
      // identify it; a frame that large is garbage or a misrouted subscription anyway.
      headers.push(
        { 'dlq.payload.truncated': 'true' },
        { 'dlq.payload.bytes': String(value.length) },
        { 'dlq.payload.sha256': createHash('sha256').update(value).digest('hex') },
      );
      value = value.subarray(0, MAX_DEAD_LETTER_BYTES);
    }
    o.metrics.deadLettered.inc({ exchange });
    let key = this.dlqKeys.get(exchange);
    if (!key) {
      key = o.sink.key(exchange);
      this.dlqKeys.set(exchange, key);
    }
    o.sink.send({ topic: o.dlqTopic, key, value, timestamp: receivedTime, headers });
  }

  private symbolState(t: Trade): SymbolState {
    // Two lookups by exchange then symbol: no key string built per trade.
    let bySymbol = this.symbols.get(t.exchange);
    if (!bySymbol) {
      bySymbol = new Map();
      this.symbols.set(t.exchange, bySymbol);
    }
    let s = bySymbol.get(t.symbol);
    if (!s) {
      const c = this.o.metrics.symbol(t.exchange, t.symbol);
      s = { key: this.o.sink.key(tradeKey(t), c.produced), received: c.received, duplicates: c.duplicates };
      bySymbol.set(t.symbol, s);
    }
    return s;
  }

  private observeLag(t: Trade): void {
    let h = this.lag.get(t.exchange);
    if (!h) {
      h = this.o.metrics.wsMessageLag.labels(t.exchange);
      this.lag.set(t.exchange, h);
    }
    h.observe(Math.max(0, t.receivedTime - t.tradeTime) / 1000);
  }
}
