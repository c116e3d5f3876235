import type { Serde } from '../serde.js';
import type { ProcessorSupplier } from '../processor/processor.js';
import type { KeyValue } from '../processor/record.js';
import type { StoreSpec } from '../state/store-builders.js';
import {
  FilterProcessor,
  FlatMapProcessor,
  MapProcessor,
  MapValuesProcessor,
  PassThroughProcessor,
  PeekProcessor,
} from '../internals/dsl/stateless.js';
import { KGroupedStream } from './kgrouped-stream.js';
import type { StreamsBuilder } from './streams-builder.js';

export interface Named {
  name?: string;
}

/**
 * A record stream. Every operator returns a new stream and may be applied to the same stream more
 * than once (branching: each consumer sees every record). Keys are strings; changing keys with
 * `map`/`flatMap` does not repartition (see README: group only by the key the input is partitioned by).
 */
export class KStream<V> {
  constructor(
    /** @internal */ readonly builder: StreamsBuilder,
    /** @internal */ readonly nodeName: string,
  ) {}

  filter(predicate: (value: V, key: string | null) => boolean, opts: Named = {}): KStream<V> {
    return this.add('FILTER', () => new FilterProcessor(predicate), opts);
  }

  mapValues<V2>(fn: (value: V, key: string | null) => V2, opts: Named = {}): KStream<V2> {
    return this.add('MAPVALUES', () => new MapValuesProcessor(fn), opts);
  }

  map<V2>(fn: (value: V, key: string | null) => KeyValue<V2>, opts: Named = {}): KStream<V2> {
    return this.add('MAP', () => new MapProcessor(fn), opts);
  }

  flatMap<V2>(fn: (value: V, key: string | null) => Iterable<KeyValue<V2>>, opts: Named = {}): KStream<V2> {
    return this.add('FLATMAP', () => new FlatMapProcessor(fn), opts);
  }

  peek(fn: (value: V, key: string | null) => void, opts: Named = {}): KStream<V> {
    return this.add('PEEK', () => new PeekProcessor(fn), opts);
  }

  /** Records of both streams, in arrival order. */
  merge(other: KStream<V>, opts: Named = {}): KStream<V> {
    const name = opts.name ?? this.builder.nextName('MERGE');
    this.builder.graph.addProcessor(name, () => new PassThroughProcessor<V>(), this.nodeName, other.nodeName);
    return new KStream<V>(this.builder, name);
  }

  /**
   * A custom processor (stateful per key, punctuations, ...). `stores` are created and connected;
   * `connectStores` connects stores another processor already created.
   */
  process<VOut>(
    supplier: ProcessorSupplier<V, VOut>,
    opts: Named & { stores?: StoreSpec[]; connectStores?: string[] } = {},
  ): KStream<VOut> {
    const name = opts.name ?? this.builder.nextName('PROCESSOR');
    const graph = this.builder.graph;
    graph.addProcessor(name, supplier, this.nodeName);
    for (const spec of opts.stores ?? []) graph.addStateStore(spec, name);
    if (opts.connectStores?.length) graph.connectProcessorAndStateStores([name], ...opts.connectStores);
    return new KStream<VOut>(this.builder, name);
  }

  /** Writes the stream to `topic` (which must exist); the producer partitions by key (murmur2). */
  to(topic: string, serde: Serde<V>, opts: Named = {}): void {
    this.builder.graph.addSink(opts.name ?? this.builder.nextName('SINK'), topic, serde, this.nodeName);
  }

  /** Groups by the current key. The input must already be partitioned by that key. */
  groupByKey(): KGroupedStream<V> {
    return new KGroupedStream<V>(this.builder, this.nodeName);
  }

  private add<V2>(kind: string, supplier: ProcessorSupplier<V, V2>, opts: Named): KStream<V2> {
    const name = opts.name ?? this.builder.nextName(kind);
    this.builder.graph.addProcessor(name, supplier, this.nodeName);
    return new KStream<V2>(this.builder, name);
  }
}
