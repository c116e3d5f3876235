export { Decimal, type Rounding } from './decimal.js';
export {
  CandleStateError,
  CsvFormatError,
  DecimalError,
  EmptyCandleError,
  IndicatorError,
  IntervalError,
  UnknownExchangeError,
  UnknownSymbolError,
} from './errors.js';
export type { AvroKind } from './avro-kind.js';
export { TRADE_FIELDS, tradeKey, type Trade } from './trade.js';
export { CANDLE_FIELDS, PRICE_SCALE, QUOTE_SCALE, type Candle } from './candle.js';
export {
  addTrade,
  decodeCandleState,
  emptyCandleState,
  encodeCandleState,
  toCandle,
  type CandleState,
  type CandleWindow,
} from './candle-aggregate.js';
export { intervalMs } from './interval.js';
export { EXCHANGES, normalisePair, type ExchangeName } from './symbols.js';
export { parseKlineCsv, parseKlineFields, type Kline } from './kline.js';
export { parseBinanceTradeFields, parseBinanceTradesCsv, type BinanceTradesCsvOptions } from './binance-trades-csv.js';
export { createSma, updateSma, type SmaState } from './indicators/sma.js';
export { createEma, updateEma, type EmaState } from './indicators/ema.js';
export { createRsi, updateRsi, type RsiState } from './indicators/rsi.js';
export { DEFAULT_ANOMALY, emptyAnomalyState, observeCandle, type Anomaly, type AnomalyConfig, type AnomalyState } from './signals/anomaly.js';
export { DEFAULT_SPREAD, observeSpread, type Spread, type SpreadConfig, type SpreadState } from './signals/spread.js';
