import type { Processor, ProcessorContext } from '../../processor/processor.js';
import type { KeyValue, StreamRecord } from '../../processor/record.js';

/** The DSL's stateless operators as processors. Each keeps the record's timestamp and headers. */

export class FilterProcessor<V> implements Processor<V, V> {
  private ctx!: ProcessorContext<V>;
  constructor(private readonly predicate: (value: V, key: string | null) => boolean) {}
  init(ctx: ProcessorContext<V>): void {
    this.ctx = ctx;
  }
  process(r: StreamRecord<V>): void {
    if (this.predicate(r.value, r.key)) this.ctx.forward(r);
  }
}

export class MapValuesProcessor<V, V2> implements Processor<V, V2> {
  private ctx!: ProcessorContext<V2>;
  constructor(private readonly fn: (value: V, key: string | null) => V2) {}
  init(ctx: ProcessorContext<V2>): void {
    this.ctx = ctx;
  }
  process(r: StreamRecord<V>): void {
    this.ctx.forward({ key: r.key, value: this.fn(r.value, r.key), timestamp: r.timestamp, headers: r.headers });
  }
}

export class MapProcessor<V, V2> implements Processor<V, V2> {
  private ctx!: ProcessorContext<V2>;
  constructor(private readonly fn: (value: V, key: string | null) => KeyValue<V2>) {}
  init(ctx: ProcessorContext<V2>): void {
    this.ctx = ctx;
  }
  process(r: StreamRecord<V>): void {
    const kv = this.fn(r.value, r.key);
    this.ctx.forward({ key: kv.key, value: kv.value, timestamp: r.timestamp, headers: r.headers });
  }
}

export class FlatMapProcessor<V, V2> implements Processor<V, V2> {
  private ctx!: ProcessorContext<V2>;
  constructor(private readonly fn: (value: V, key: string | null) => Iterable<KeyValue<V2>>) {}
  init(ctx: ProcessorContext<V2>): void {
    this.ctx = ctx;
  }
  process(r: StreamRecord<V>): void {
    for (const kv of this.fn(r.value, r.key)) this.ctx.forward({ key: kv.key, value: kv.value, timestamp: r.timestamp, headers: r.headers });
  }
}

export class PeekProcessor<V> implements Processor<V, V> {
  private ctx!: ProcessorContext<V>;
  constructor(private readonly fn: (value: V, key: string | null) => void) {}
  init(ctx: ProcessorContext<V>): void {
    this.ctx = ctx;
  }
  process(r: StreamRecord<V>): void {
    this.fn(r.value, r.key);
    this.ctx.forward(r);
  }
}

/** Passes records on unchanged: merge points and the DSL's `toStream` nodes. */
export class PassThroughProcessor<V> implements Processor<V, V> {
  private ctx!: ProcessorContext<V>;
  init(ctx: ProcessorContext<V>): void {
    this.ctx = ctx;
  }
  process(r: StreamRecord<V>): void {
    this.ctx.forward(r);
  }
}
