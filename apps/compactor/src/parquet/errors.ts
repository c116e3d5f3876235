/** A candle that cannot be stored exactly (it goes to the dead-letter topic, the job goes on). */
export class RowRejectedError extends Error {
  override readonly name = 'RowRejectedError';
  constructor(
    readonly reason: 'decimal-overflow' | 'decimal-scale' | 'bad-interval' | 'bad-time' | 'bad-integer' | 'bad-string',
    message: string,
  ) {
    super(message);
  }
}

/** The lake's files contradict the exactly-once protocol (a journal names files that are gone, ...). */
export class LakeStateError extends Error {
  override readonly name = 'LakeStateError';
}

/** Another merge holds the lake's merge lock. */
export class MergeLockedError extends Error {
  override readonly name = 'MergeLockedError';
  constructor(
    readonly lockFile: string,
    readonly holder: string,
  ) {
    super(`another merge is running (lock ${lockFile} held by ${holder}); wait for it or remove the lock if that process is gone`);
  }
}
