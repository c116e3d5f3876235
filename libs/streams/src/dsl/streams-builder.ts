import type { Serde } from '../serde.js';
import { Topology, type TimestampExtractor } from '../processor/topology.js';
import { KStream } from './kstream.js';

/** Builds a topology with the DSL; `build()` hands out the low-level `Topology`. */
export class StreamsBuilder {
  private readonly topology = new Topology();
  private counter = 0;

  /** A stream of `topic`'s records; event time from `timestamp` (default: the Kafka record timestamp). */
  stream<V>(topic: string, serde: Serde<V>, opts: { timestamp?: TimestampExtractor<V>; name?: string } = {}): KStream<V> {
    const name = opts.name ?? this.nextName('SOURCE');
    this.topology.addSource(name, topic, serde, opts.timestamp ? { timestamp: opts.timestamp } : {});
    return new KStream<V>(this, name);
  }

  build(): Topology {
    this.topology.validate();
    return this.topology;
  }

  /** @internal */
  get graph(): Topology {
    return this.topology;
  }

  /** @internal Kafka Streams-style generated node names: `KSTREAM-MAP-0000000003`. */
  nextName(kind: string): string {
    return `KSTREAM-${kind}-${String(this.counter++).padStart(10, '0')}`;
  }
}
