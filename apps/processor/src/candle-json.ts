import { Decimal, type Candle } from '@candlestream/market';

/** A candle as JSON (decimals as exact strings): for the HTTP queries and the JSON-valued stores. */
export type CandleJson = { [K in keyof Candle]: Candle[K] extends Decimal ? string : Candle[K] };

export function candleToJson(c: Candle): CandleJson {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(c)) out[k] = v instanceof Decimal ? v.toString() : v;
  return out as CandleJson;
}

/** Splits a record key `<EXCHANGE>:<SYMBOL>`; the symbol may itself contain ':' on no exchange we know, but keep the rest intact. */
export function splitKey(key: string): { exchange: string; symbol: string } {
  const i = key.indexOf(':');
  return i < 0 ? { exchange: '', symbol: key } : { exchange: key.slice(0, i), symbol: key.slice(i + 1) };
}
