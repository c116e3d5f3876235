import type { Processor } from '../../processor/processor.js';
import type { StreamRecord } from '../../processor/record.js';

/** A processor threw: carries the node's name to the dead-letter headers. */
export class NodeFailure extends Error {
  override readonly name = 'NodeFailure';
  constructor(
    readonly node: string,
    readonly error: unknown,
  ) {
    super(`processor ${node} failed: ${(error as Error)?.message ?? String(error)}`);
  }
}

/** One processor instance of one task, wired to its children. */
export class ProcessorNode {
  readonly children: ProcessorNode[] = [];
  readonly childByName = new Map<string, ProcessorNode>();

  constructor(
    readonly name: string,
    readonly processor: Processor<unknown, unknown>,
  ) {}

  addChild(child: ProcessorNode): void {
    this.children.push(child);
    this.childByName.set(child.name, child);
  }

  process(record: StreamRecord<unknown>): void {
    try {
      this.processor.process(record);
    } catch (err) {
      throw err instanceof NodeFailure ? err : new NodeFailure(this.name, err);
    }
  }
}
