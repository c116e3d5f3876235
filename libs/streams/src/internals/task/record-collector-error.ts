/**
 * The producer refused a record for a reason that is not the record's fault (transaction in an
 * error state, producer fenced or closed). Never dead-lettered: the runtime aborts and retries.
 */
export class RecordCollectorError extends Error {
  override readonly name = 'RecordCollectorError';
  constructor(
    message: string,
    readonly code: number | undefined,
    cause?: unknown,
  ) {
    super(message, { cause });
  }
}
