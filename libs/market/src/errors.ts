/** A decimal string that is not a number, or a value that cannot be held exactly where it must be. */
export class DecimalError extends Error {
  override readonly name = 'DecimalError';
  constructor(message: string, readonly input?: string) {
    super(message);
  }
}

/** A CSV line of an exchange data dump that does not have the expected shape. `line` is 1-based. */
export class CsvFormatError extends Error {
  override readonly name = 'CsvFormatError';
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`line ${line}: ${message}`);
  }
}

/** An exchange name this project has no symbol rules for. */
export class UnknownExchangeError extends Error {
  override readonly name = 'UnknownExchangeError';
  constructor(readonly exchange: string) {
    super(`unknown exchange ${JSON.stringify(exchange)} (known: BINANCE, COINBASE, KRAKEN)`);
  }
}

/** An exchange symbol that cannot be split into a BASE-QUOTE pair. */
export class UnknownSymbolError extends Error {
  override readonly name = 'UnknownSymbolError';
  constructor(
    readonly exchange: string,
    readonly symbol: string,
    reason: string,
  ) {
    super(`cannot normalise ${exchange} symbol ${JSON.stringify(symbol)}: ${reason}`);
  }
}

/** A candle interval that is not `<n><unit>` with a fixed-length unit. */
export class IntervalError extends Error {
  override readonly name = 'IntervalError';
  constructor(
    readonly interval: string,
    reason: string,
  ) {
    super(`invalid interval ${JSON.stringify(interval)}: ${reason}`);
  }
}

/** A candle asked of an aggregate that has seen no trade: there is no open, close or VWAP to give. */
export class EmptyCandleError extends Error {
  override readonly name = 'EmptyCandleError';
  constructor() {
    super('candle state has no trades');
  }
}

/** A stored candle state (state store value or changelog record) that cannot be decoded. */
export class CandleStateError extends Error {
  override readonly name = 'CandleStateError';
  constructor(
    message: string,
    readonly encoded: string,
  ) {
    super(message);
  }
}

/** An indicator parameter out of range (periods are positive integers). */
export class IndicatorError extends Error {
  override readonly name = 'IndicatorError';
}
