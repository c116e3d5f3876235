import type { TimeWindows, Windowed } from '../../dsl/time-windows.js';
import { PoisonRecordError } from '../../errors.js';
import type { Processor, ProcessorContext } from '../../processor/processor.js';
import type { StreamRecord } from '../../processor/record.js';
import type { SqliteKeyValueStore } from '../state/key-value-store.js';
import type { SqliteWindowStore } from '../state/window-store.js';
import type { NodeContext } from '../task/stream-task.js';

/** Child nodes of an aggregation, by emit mode; filled in by the DSL's `toStream` calls. */
export interface EmitTargets {
  update: string[];
  close: string[];
}

/**
 * Windowed aggregation. Per record: apply the value to every window of its timestamp that is still
 * open (start + size + grace > stream time); if none is, the record is late. After the record, a
 * stream-time deadline closes the windows stream time has passed: each gets its final result
 * (emit-on-close, once) and is deleted from the store in the same commit. Updates are forwarded at
 * once (cache off) or once per commit per window (cache on, via the store's flush listener).
 */
export class WindowAggregateProcessor<V, A> implements Processor<V, Windowed<A>> {
  private ctx!: NodeContext;
  private store!: SqliteWindowStore<A>;
  private lastClosedStart = -Infinity;
  private throttled = false;

  constructor(
    private readonly storeName: string,
    private readonly windows: TimeWindows,
    private readonly initializer: () => A,
    private readonly adder: (aggregate: A, value: V, key: string) => A,
    private readonly targets: EmitTargets,
    private readonly forwardLate: boolean,
  ) {}

  init(context: ProcessorContext<Windowed<A>>): void {
    this.ctx = context as unknown as NodeContext;
    this.store = this.ctx.getStateStore<SqliteWindowStore<A>>(this.storeName);
    this.throttled = this.store.spec.cache && this.targets.update.length > 0;
    if (this.throttled) {
      this.store.setFlushListener((key, start, value, timestamp) => {
        if (value !== undefined) this.emit(this.targets.update, key, start, value, timestamp);
      });
    }
    this.ctx.streamTimeDeadline(-Infinity, (st) => this.closeWindows(st));
  }

  process(record: StreamRecord<V>): void {
    const key = record.key;
    if (key === null) throw new PoisonRecordError('a windowed aggregation needs a record key', 'null-key');
    const { sizeMs, advanceMs, graceMs } = this.windows;
    const ts = record.timestamp;
    const closedUpTo = this.ctx.streamTime() - sizeMs - graceMs;
    const immediate = !this.throttled && this.targets.update.length > 0;
    let applied = false;
    for (let start = Math.floor(ts / advanceMs) * advanceMs; start > ts - sizeMs; start -= advanceMs) {
      if (start <= closedUpTo) continue;
      const current = this.store.fetch(key, start);
      const next = this.adder(current === undefined ? this.initializer() : current, record.value, key);
      this.store.put(key, start, next, ts);
      if (immediate) this.emit(this.targets.update, key, start, next, ts);
      applied = true;
    }
    if (!applied) this.ctx.task.late(this.storeName, this.forwardLate);
  }

  /** Emits and deletes every window closed at stream time `st`; returns when the next one closes. */
  private closeWindows(st: number): number {
    const { sizeMs, advanceMs, graceMs } = this.windows;
    if (!Number.isFinite(st)) return -Infinity;
    const closedStart = Math.floor((st - sizeMs - graceMs) / advanceMs) * advanceMs;
    if (closedStart > this.lastClosedStart) {
      const from = this.lastClosedStart === -Infinity ? -Infinity : this.lastClosedStart + 1;
      for (const w of this.store.fetchRange(from, closedStart)) {
        if (this.throttled) this.store.emitPending(w.key, w.start);
        if (this.targets.close.length > 0) this.emit(this.targets.close, w.key, w.start, w.value, w.start + sizeMs - 1);
        this.store.delete(w.key, w.start);
      }
      this.lastClosedStart = closedStart;
    }
    return closedStart + advanceMs + sizeMs + graceMs;
  }

  private emit(children: string[], key: string, start: number, value: A, timestamp: number): void {
    const record: StreamRecord<Windowed<A>> = {
      key,
      value: { key, start, end: start + this.windows.sizeMs, value },
      timestamp,
    };
    for (let i = 0; i < children.length; i++) this.ctx.forward(record, children[i]);
  }
}

/** Non-windowed aggregation over a key-value store; every update goes to the `toStream` children. */
export class KeyValueAggregateProcessor<V, A> implements Processor<V, A> {
  private ctx!: NodeContext;
  private store!: SqliteKeyValueStore<A>;
  private throttled = false;

  constructor(
    private readonly storeName: string,
    private readonly initializer: () => A,
    private readonly adder: (aggregate: A, value: V, key: string) => A,
    private readonly targets: EmitTargets,
  ) {}

  init(context: ProcessorContext<A>): void {
    this.ctx = context as unknown as NodeContext;
    this.store = this.ctx.getStateStore<SqliteKeyValueStore<A>>(this.storeName);
    this.throttled = this.store.spec.cache && this.targets.update.length > 0;
    if (this.throttled) {
      this.store.setFlushListener((key, value, timestamp) => {
        if (value !== undefined) this.emit(key, value, timestamp);
      });
    }
  }

  process(record: StreamRecord<V>): void {
    const key = record.key;
    if (key === null) throw new PoisonRecordError('an aggregation needs a record key', 'null-key');
    const current = this.store.get(key);
    const next = this.adder(current === undefined ? this.initializer() : current, record.value, key);
    this.store.put(key, next, record.timestamp);
    if (!this.throttled && this.targets.update.length > 0) this.emit(key, next, record.timestamp);
  }

  private emit(key: string, value: A, timestamp: number): void {
    const record: StreamRecord<A> = { key, value, timestamp };
    const children = this.targets.update;
    for (let i = 0; i < children.length; i++) this.ctx.forward(record, children[i]);
  }
}
