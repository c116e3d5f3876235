import { TopologyError } from '../errors.js';
import type { Serde } from '../serde.js';
import type { StoreSpec } from '../state/store-builders.js';
import type { ProcessorSupplier } from './processor.js';

/** Event time of a source record; the default is the Kafka record timestamp. */
export type TimestampExtractor<V> = (value: V, key: string | null, recordTimestamp: number) => number;

export interface SourceNodeDef {
  readonly kind: 'source';
  readonly name: string;
  readonly topic: string;
  readonly serde: Serde<unknown>;
  readonly timestamp: TimestampExtractor<unknown> | undefined;
  readonly children: string[];
}

export interface ProcessorNodeDef {
  readonly kind: 'processor';
  readonly name: string;
  readonly supplier: ProcessorSupplier<unknown, unknown>;
  readonly parents: string[];
  readonly children: string[];
  readonly stores: string[];
}

export interface SinkNodeDef {
  readonly kind: 'sink';
  readonly name: string;
  readonly topic: string;
  readonly serde: Serde<unknown>;
  readonly parents: string[];
  readonly children: string[];
}

export type NodeDef = SourceNodeDef | ProcessorNodeDef | SinkNodeDef;

/**
 * A connected part of a topology: nodes linked by parent/child edges or by a shared store. As in
 * Kafka Streams, each sub-topology runs as its own tasks (one per partition of its sources), with its
 * own stream time: a topology that writes to a topic and reads it back (a repartition) has two
 * sub-topologies, and the records read back do not move the first one's windows.
 */
export interface Subtopology {
  readonly id: number;
  /** In topological order. */
  readonly nodes: readonly NodeDef[];
  readonly sourceTopics: readonly string[];
  readonly stores: readonly StoreSpec[];
}

/**
 * A topology as data: sources, processors, sinks and stores, wired by name. The DSL
 * (`StreamsBuilder`) builds one; the same object runs under `KafkaStreams` and under the
 * `TopologyTestDriver`. Nodes are added parents first, so insertion order is a topological order.
 */
export class Topology {
  private readonly nodeDefs = new Map<string, NodeDef>();
  private readonly storeSpecs = new Map<string, StoreSpec>();
  private readonly internal = new Set<'late'>();

  addSource<V>(name: string, topic: string, serde: Serde<V>, opts: { timestamp?: TimestampExtractor<V> } = {}): this {
    this.checkNewName(name);
    for (const n of this.nodeDefs.values()) {
      if (n.kind === 'source' && n.topic === topic) throw new TopologyError(`topic ${topic} already has source ${n.name}`);
    }
    this.nodeDefs.set(name, {
      kind: 'source',
      name,
      topic,
      serde: serde as Serde<unknown>,
      timestamp: opts.timestamp as TimestampExtractor<unknown> | undefined,
      children: [],
    });
    return this;
  }

  addProcessor<VIn, VOut>(name: string, supplier: ProcessorSupplier<VIn, VOut>, ...parents: string[]): this {
    this.checkNewName(name);
    this.linkParents(name, parents);
    this.nodeDefs.set(name, {
      kind: 'processor',
      name,
      supplier: supplier as unknown as ProcessorSupplier<unknown, unknown>,
      parents,
      children: [],
      stores: [],
    });
    return this;
  }

  addSink<V>(name: string, topic: string, serde: Serde<V>, ...parents: string[]): this {
    this.checkNewName(name);
    this.linkParents(name, parents);
    this.nodeDefs.set(name, { kind: 'sink', name, topic, serde: serde as Serde<unknown>, parents, children: [] });
    return this;
  }

  /** Adds a store and connects it to the named processors. */
  addStateStore(spec: StoreSpec, ...processorNames: string[]): this {
    if (this.storeSpecs.has(spec.name)) throw new TopologyError(`store ${spec.name} is already in the topology`);
    this.storeSpecs.set(spec.name, spec);
    return this.connectProcessorAndStateStores(processorNames, spec.name);
  }

  connectProcessorAndStateStores(processorNames: string[], ...storeNames: string[]): this {
    for (const storeName of storeNames) {
      if (!this.storeSpecs.has(storeName)) throw new TopologyError(`unknown store ${storeName}`);
      for (const p of processorNames) {
        const def = this.nodeDefs.get(p);
        if (!def || def.kind !== 'processor') throw new TopologyError(`store ${storeName}: ${p} is not a processor of this topology`);
        if (!def.stores.includes(storeName)) def.stores.push(storeName);
      }
    }
    return this;
  }

  /** Declares that a processor writes to the application's late-record topic (`<applicationId>-late`). */
  useLateTopic(): this {
    this.internal.add('late');
    return this;
  }

  /** Nodes in topological order. */
  get nodes(): readonly NodeDef[] {
    return [...this.nodeDefs.values()];
  }

  get stores(): readonly StoreSpec[] {
    return [...this.storeSpecs.values()];
  }

  get sourceTopics(): string[] {
    return this.nodes.flatMap((n) => (n.kind === 'source' ? [n.topic] : []));
  }

  get sinkTopics(): string[] {
    return [...new Set(this.nodes.flatMap((n) => (n.kind === 'sink' ? [n.topic] : [])))];
  }

  get usesLateTopic(): boolean {
    return this.internal.has('late');
  }

  /** Throws TopologyError when the topology cannot run (no source, store not used, ...). */
  validate(): void {
    if (this.sourceTopics.length === 0) throw new TopologyError('the topology has no source');
    for (const spec of this.storeSpecs.values()) {
      const used = this.nodes.some((n) => n.kind === 'processor' && n.stores.includes(spec.name));
      if (!used) throw new TopologyError(`store ${spec.name} is not connected to any processor`);
    }
  }

  /** Sub-topologies numbered in the order of their first node. */
  get subtopologies(): readonly Subtopology[] {
    const nodes = this.nodes;
    const parent = new Map<string, string>(nodes.map((n) => [n.name, n.name]));
    const find = (x: string): string => {
      let r = x;
      while (parent.get(r) !== r) r = parent.get(r)!;
      parent.set(x, r);
      return r;
    };
    const union = (a: string, b: string): void => {
      const ra = find(a);
      const rb = find(b);
      if (ra !== rb) parent.set(rb, ra);
    };
    const storeOwner = new Map<string, string>();
    for (const n of nodes) {
      if (n.kind !== 'source') for (const p of n.parents) union(p, n.name);
      if (n.kind !== 'processor') continue;
      for (const store of n.stores) {
        const owner = storeOwner.get(store);
        if (owner) union(owner, n.name);
        else storeOwner.set(store, n.name);
      }
    }
    const groups = new Map<string, NodeDef[]>();
    for (const n of nodes) {
      const root = find(n.name);
      let group = groups.get(root);
      if (!group) groups.set(root, (group = []));
      group.push(n);
    }
    return [...groups.values()].map((group, id) => {
      const storeNames = new Set(group.flatMap((n) => (n.kind === 'processor' ? n.stores : [])));
      return {
        id,
        nodes: group,
        sourceTopics: group.flatMap((n) => (n.kind === 'source' ? [n.topic] : [])),
        stores: this.stores.filter((s) => storeNames.has(s.name)),
      };
    });
  }

  describe(): TopologyDescription {
    return new TopologyDescription(this.subtopologies, this.stores);
  }

  private checkNewName(name: string): void {
    if (!name) throw new TopologyError('node names must not be empty');
    if (this.nodeDefs.has(name)) throw new TopologyError(`node ${name} is already in the topology`);
  }

  private linkParents(name: string, parents: string[]): void {
    if (parents.length === 0) throw new TopologyError(`node ${name} needs at least one parent`);
    for (const p of parents) {
      const parent = this.nodeDefs.get(p);
      if (!parent) throw new TopologyError(`node ${name}: unknown parent ${p} (add parents first)`);
      if (parent.kind === 'sink') throw new TopologyError(`node ${name}: parent ${p} is a sink`);
      parent.children.push(name);
    }
  }
}

/** A printable view of a topology, in the spirit of Kafka Streams' `TopologyDescription`. */
export class TopologyDescription {
  constructor(
    readonly subtopologies: readonly Subtopology[],
    readonly stores: readonly StoreSpec[],
  ) {}

  toString(): string {
    const lines = ['Topology:'];
    for (const sub of this.subtopologies) {
      lines.push(`  Sub-topology: ${sub.id}`);
      for (const n of sub.nodes) {
        if (n.kind === 'source') lines.push(`    Source: ${n.name} (topic: ${n.topic})`);
        else if (n.kind === 'processor') lines.push(`    Processor: ${n.name} (stores: [${n.stores.join(', ')}])`);
        else lines.push(`    Sink: ${n.name} (topic: ${n.topic})`);
        if (n.children.length > 0) lines.push(`      --> ${n.children.join(', ')}`);
        if (n.kind !== 'source') lines.push(`      <-- ${n.parents.join(', ')}`);
      }
    }
    if (this.stores.length > 0) lines.push('  Stores:');
    for (const s of this.stores) {
      const kind = s.kind === 'window' ? `window store, window ${s.windowSizeMs} ms` : 'key-value store';
      lines.push(`    ${s.name} (${kind}, cache ${s.cache ? 'on' : 'off'}, changelog ${s.changelog ? 'on' : 'off'})`);
    }
    return lines.join('\n');
  }
}
