import { counter, createRegistry, gauge, histogram } from '@candlestream/metrics';

type Registry = ReturnType<typeof createRegistry>;
type Counter<L extends string> = ReturnType<typeof counter<L>>;

/** A per-(exchange, symbol) count on the hot path. */
export interface Inc {
  inc(n?: number): void;
}

/**
 * A plain number that is added to its prom-client counter on `sync`. prom-client hashes the label
 * set on every `inc`, even through a bound child: at a few hundred thousand trades a second that
 * was ~6% of the replay's CPU, so hot counters count locally and are synced before every scrape.
 */
class LocalCount implements Inc {
  private pending = 0;

  constructor(private readonly target: { inc(n: number): void }) {}

  inc(n = 1): void {
    this.pending += n;
  }

  sync(): void {
    if (this.pending === 0) return;
    this.target.inc(this.pending);
    this.pending = 0;
  }
}

export class ProducerMetrics {
  readonly registry: Registry;
  private readonly tradesReceived: Counter<'exchange' | 'symbol'>;
  private readonly tradesProduced: Counter<'exchange' | 'symbol'>;
  private readonly duplicatesDropped: Counter<'exchange' | 'symbol'>;
  readonly tradeGaps;
  readonly tradesMissing;
  readonly wsReconnects;
  readonly wsRollovers;
  readonly malformedMessages;
  readonly ignoredMessages;
  readonly deadLettered;
  readonly deliveryErrors;
  readonly produceLatency;
  readonly wsMessageLag;
  readonly wsConnected;
  readonly wsLastMessage;
  readonly wsLastPing;
  private readonly children = new Map<string, { received: Inc; produced: Inc; duplicates: Inc }>();
  private readonly local: LocalCount[] = [];

  constructor(registry: Registry = createRegistry('producer')) {
    this.registry = registry;
    const r = registry;
    // Local counts reach prom-client before every scrape.
    const metrics = registry.metrics.bind(registry);
    registry.metrics = () => {
      this.sync();
      return metrics();
    };
    this.tradesReceived = counter(r, 'trades_received_total', 'Trades parsed from exchange messages or replay files, before deduplication', ['exchange', 'symbol']);
    this.tradesProduced = counter(r, 'trades_produced_total', 'Trades acknowledged by the broker (acks=all)', ['exchange', 'symbol']);
    this.duplicatesDropped = counter(r, 'duplicates_dropped_total', 'Trades dropped because their (exchange, symbol, trade id) was already seen (reconnect or rollover overlap)', ['exchange', 'symbol']);
    this.tradeGaps = counter(r, 'trade_gaps_total', 'Runs of consecutive trade ids never received (confirmed after the gap grace period)', ['exchange', 'symbol']);
    this.tradesMissing = counter(r, 'trades_missing_total', 'Trades missing inside the reported trade id gaps', ['exchange', 'symbol']);
    this.wsReconnects = counter(r, 'ws_reconnects_total', 'WebSocket connections re-opened after a failure or an unexpected close', ['exchange']);
    this.wsRollovers = counter(r, 'ws_rollovers_total', 'Planned connection replacements before the exchange connection age limit', ['exchange']);
    this.malformedMessages = counter(r, 'malformed_messages_total', 'Messages that should have been trades and were not, by parser reason', ['exchange', 'reason']);
    this.ignoredMessages = counter(r, 'ignored_messages_total', 'Well-formed messages that carry no trade (heartbeats, acks, other streams)', ['exchange', 'reason']);
    this.deadLettered = counter(r, 'dead_lettered_total', 'Raw messages written to the producer dead-letter topic', ['exchange']);
    this.deliveryErrors = counter(r, 'delivery_errors_total', 'Records the broker did not take after librdkafka gave up retrying', ['topic', 'code']);
    this.produceLatency = histogram(r, 'produce_latency_seconds', 'Time from handing a record to the Kafka client to its acknowledgement (sampled, at most ~1000/s)');
    this.wsMessageLag = histogram(r, 'ws_message_lag_seconds', 'Exchange trade time to local receive time, per trade', ['exchange'], [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60]);
    this.wsConnected = gauge(r, 'ws_connected', 'Open WebSocket connections delivering data (2 during a rollover overlap)', ['exchange']);
    this.wsLastMessage = gauge(r, 'ws_last_message_timestamp_seconds', 'When the last WebSocket message arrived', ['exchange']);
    this.wsLastPing = gauge(r, 'ws_last_ping_timestamp_seconds', 'When the exchange last sent a WebSocket ping (answered automatically)', ['exchange']);
  }

  /** The (exchange, symbol) counters of one trade key (local counts, see `sync`). */
  symbol(exchange: string, symbol: string): { received: Inc; produced: Inc; duplicates: Inc } {
    const key = `${exchange}:${symbol}`;
    let c = this.children.get(key);
    if (!c) {
      const local = (counter: Counter<'exchange' | 'symbol'>): LocalCount => {
        const l = new LocalCount(counter.labels(exchange, symbol));
        this.local.push(l);
        return l;
      };
      c = { received: local(this.tradesReceived), produced: local(this.tradesProduced), duplicates: local(this.duplicatesDropped) };
      this.children.set(key, c);
    }
    return c;
  }

  /** Adds the local counts to the exported counters (done before each scrape; tests call it). */
  sync(): void {
    for (const l of this.local) l.sync();
  }

  /** The sum of a counter's or gauge's series matching `labels`, after `sync`: for tests. */
  async value(name: string, labels: Record<string, string> = {}): Promise<number> {
    this.sync();
    const metric = this.registry.getSingleMetric(name.startsWith('candlestream_') ? name : `candlestream_${name}`);
    if (!metric) return 0;
    const data = await metric.get();
    return data.values
      .filter((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want))
      .reduce((sum, v) => sum + v.value, 0);
  }
}
