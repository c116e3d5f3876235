/** A WebSocket URL or subscription that cannot be built from the given symbols or options. */
export class ExchangeConfigError extends Error {
  override readonly name = 'ExchangeConfigError';
  constructor(
    readonly exchange: string,
    message: string,
  ) {
    super(`${exchange}: ${message}`);
  }
}
