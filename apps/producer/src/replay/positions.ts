/**
 * Where a replay stands: every line before (`pass`, `input`, `line`) in that order is in the topic.
 * `input` indexes the command's inputs; `line` is 1-based as in `readLines`. The start of the replay
 * is `{ pass: 0, input: 0, line: 0 }`; a finished replay of N passes is `{ pass: N, input: 0, line: 0 }`.
 */
export interface ReplayPosition {
  pass: number;
  input: number;
  line: number;
}

export const START: ReplayPosition = { pass: 0, input: 0, line: 0 };

/** Negative when `a` comes before `b`, 0 when equal, positive after. */
export function comparePositions(a: ReplayPosition, b: ReplayPosition): number {
  return a.pass - b.pass || a.input - b.input || a.line - b.line;
}

/** Whether the line (`pass`, `input`, `line`) comes before `pos`: already in the topic, skip it. */
export function isBefore(pass: number, input: number, line: number, pos: ReplayPosition): boolean {
  return pass !== pos.pass ? pass < pos.pass : input !== pos.input ? input < pos.input : line < pos.line;
}

/** A position record's value (JSON), or undefined when it is not one. */
export function parsePosition(value: Buffer | string | null | undefined): ReplayPosition | undefined {
  if (value === null || value === undefined) return undefined;
  try {
    const v = JSON.parse(value.toString()) as Partial<ReplayPosition>;
    const ok = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
    if (ok(v.pass) && ok(v.input) && ok(v.line)) return { pass: v.pass, input: v.input, line: v.line };
  } catch {
    // not JSON
  }
  return undefined;
}

export function describePosition(pos: ReplayPosition | undefined): string {
  return pos === undefined || comparePositions(pos, START) === 0
    ? 'starting from the beginning'
    : `resuming at pass ${pos.pass}, input ${pos.input}, line ${pos.line}`;
}

/** What the replay loop needs to checkpoint its position (see `PositionCheckpoints`). */
export interface Checkpoints {
  /**
   * The position after a line handed to the ingest. Called for every line, so it only stores three
   * numbers and reads the clock: true when a commit is due (the caller then awaits `commit`).
   */
  advance(pass: number, input: number, line: number): boolean;
  /** Lines handed over since the last commit. */
  readonly pending: boolean;
  /** Lines are pending and a commit falls due within `ms` (the loop is about to wait that long). */
  dueWithin(ms: number): boolean;
  /** Commits the last position given to `advance` (nothing when it is already committed). */
  commit(): Promise<void>;
}

/**
 * Commits the replay's position every `intervalMs` through `write` (which, for an exactly-once replay,
 * produces the position record and commits the Kafka transaction holding it and the lines' records).
 */
export class PositionCheckpoints implements Checkpoints {
  private pass: number;
  private input: number;
  private line: number;
  private committed: ReplayPosition;
  private lastCommit: number;
  /** Commits done (for tests and the summary). */
  commits = 0;

  constructor(
    private readonly intervalMs: number,
    private readonly write: (pos: ReplayPosition) => Promise<void>,
    from: ReplayPosition = START,
    private readonly now: () => number = Date.now,
  ) {
    ({ pass: this.pass, input: this.input, line: this.line } = from);
    this.committed = { ...from };
    this.lastCommit = now();
  }

  get position(): ReplayPosition {
    return { pass: this.pass, input: this.input, line: this.line };
  }

  get pending(): boolean {
    return this.pass !== this.committed.pass || this.input !== this.committed.input || this.line !== this.committed.line;
  }

  advance(pass: number, input: number, line: number): boolean {
    this.pass = pass;
    this.input = input;
    this.line = line;
    return this.now() - this.lastCommit >= this.intervalMs;
  }

  dueWithin(ms: number): boolean {
    return this.pending && this.now() + ms - this.lastCommit >= this.intervalMs;
  }

  async commit(): Promise<void> {
    this.lastCommit = this.now();
    if (!this.pending) return;
    const pos = this.position;
    await this.write(pos);
    this.committed = pos;
    this.commits++;
    this.lastCommit = this.now();
  }
}
