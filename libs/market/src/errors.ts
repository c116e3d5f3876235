/** A decimal string that is not a number, or a value that cannot be held exactly where it must be. */
export class DecimalError extends Error {
  override readonly name = 'DecimalError';
  constructor(message: string, readonly input?: string) {
    super(message);
  }
}
