import type { Serde } from '../serde.js';
import { Stores } from '../state/store-builders.js';
import { KeyValueAggregateProcessor, WindowAggregateProcessor, type EmitTargets } from '../internals/dsl/aggregate.js';
import { KTable, WindowedKTable } from './ktable.js';
import type { StreamsBuilder } from './streams-builder.js';
import type { TimeWindows } from './time-windows.js';

/** The store behind an aggregation. */
export interface AggregateStore<A> {
  name: string;
  serde: Serde<A>;
  /** Throttle forwarded updates to one per key (window) per commit. Default true. */
  cache?: boolean;
  changelog?: boolean;
}

export interface WindowedAggregateStore<A> extends AggregateStore<A> {
  /** Also send late records (the source record, with headers) to `<applicationId>-late`. Default false. */
  forwardLate?: boolean;
}

export type Adder<V, A> = (aggregate: A, value: V, key: string) => A;

export class KGroupedStream<V> {
  constructor(
    private readonly builder: StreamsBuilder,
    private readonly parent: string,
  ) {}

  windowedBy(windows: TimeWindows): TimeWindowedKStream<V> {
    return new TimeWindowedKStream<V>(this.builder, this.parent, windows);
  }

  /** Running aggregate per key in a key-value store. */
  aggregate<A>(initializer: () => A, adder: Adder<V, A>, store: AggregateStore<A>): KTable<A> {
    const name = this.builder.nextName('AGGREGATE');
    const targets: EmitTargets = { update: [], close: [] };
    const graph = this.builder.graph;
    graph.addProcessor(name, () => new KeyValueAggregateProcessor(store.name, initializer, adder, targets), this.parent);
    graph.addStateStore(Stores.keyValue(store.name, store.serde, store), name);
    return new KTable<A>(this.builder, name, targets);
  }
}

export class TimeWindowedKStream<V> {
  constructor(
    private readonly builder: StreamsBuilder,
    private readonly parent: string,
    private readonly windows: TimeWindows,
  ) {}

  /** Aggregate per key and window, in a window store. */
  aggregate<A>(initializer: () => A, adder: Adder<V, A>, store: WindowedAggregateStore<A>): WindowedKTable<A> {
    const name = this.builder.nextName('WINDOWED-AGGREGATE');
    const targets: EmitTargets = { update: [], close: [] };
    const graph = this.builder.graph;
    const forwardLate = store.forwardLate ?? false;
    graph.addProcessor(
      name,
      () => new WindowAggregateProcessor(store.name, this.windows, initializer, adder, targets, forwardLate),
      this.parent,
    );
    graph.addStateStore(Stores.window(store.name, store.serde, this.windows.sizeMs, store), name);
    if (forwardLate) graph.useLateTopic();
    return new WindowedKTable<A>(this.builder, name, targets);
  }
}
