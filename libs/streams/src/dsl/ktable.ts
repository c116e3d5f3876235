import type { EmitTargets } from '../internals/dsl/aggregate.js';
import { PassThroughProcessor } from '../internals/dsl/stateless.js';
import { KStream, type Named } from './kstream.js';
import type { StreamsBuilder } from './streams-builder.js';
import type { Windowed } from './time-windows.js';

/** The result of a non-windowed aggregation. */
export class KTable<A> {
  constructor(
    private readonly builder: StreamsBuilder,
    private readonly nodeName: string,
    private readonly targets: EmitTargets,
  ) {}

  /** The stream of updates (throttled to one per key per commit when the store's cache is on). */
  toStream(opts: Named = {}): KStream<A> {
    const name = opts.name ?? this.builder.nextName('TOSTREAM');
    this.builder.graph.addProcessor(name, () => new PassThroughProcessor<A>(), this.nodeName);
    this.targets.update.push(name);
    return new KStream<A>(this.builder, name);
  }
}

/** Emit modes of a windowed aggregation: every revision, or one final result when the window closes. */
export type EmitMode = 'update' | 'close';

/** The result of a windowed aggregation; `toStream` may be called once per mode, or more. */
export class WindowedKTable<A> {
  constructor(
    private readonly builder: StreamsBuilder,
    private readonly nodeName: string,
    private readonly targets: EmitTargets,
  ) {}

  toStream(emit: EmitMode, opts: Named = {}): KStream<Windowed<A>> {
    const name = opts.name ?? this.builder.nextName(emit === 'close' ? 'TOSTREAM-FINAL' : 'TOSTREAM-UPDATES');
    this.builder.graph.addProcessor(name, () => new PassThroughProcessor<Windowed<A>>(), this.nodeName);
    this.targets[emit].push(name);
    return new KStream<Windowed<A>>(this.builder, name);
  }
}
