import { stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { CsvFormatError, parseBinanceTradeFields, type Trade } from '@candlestream/market';
import type { ReplayInput } from '../config.js';
import type { ParseResult } from '../exchanges/types.js';
import { PARSERS } from '../feeds.js';
import type { TradeIngest } from '../ingest/trade-ingest.js';
import { readLines } from './line-reader.js';
import { LoopShift } from './loop-shift.js';
import { Pacer } from './pacer.js';
import type { ProgressSnapshot } from './progress.js';

export interface ReplayPlan {
  inputs: readonly ReplayInput[];
  /** Multiple of real time; Infinity = as fast as possible. */
  speed: number;
  /** Passes over the inputs; Infinity = until stopped. */
  loops: number;
  /**
   * Passes after the first replay the lines decoded in the first one (shifted) instead of reading
   * and parsing the files again, when the input has at most this many lines. 0 = always re-read.
   */
  loopCacheLines?: number;
}

/** The part of the sink the loop needs: backpressure. */
export interface Backpressure {
  readonly parked: number;
  whenWritable(): Promise<void>;
}

export interface ReplayDeps {
  ingest: TradeIngest;
  sink: Backpressure;
  /** Called after every chunk of lines (and at the end, with `final`). */
  onProgress?: (s: ProgressSnapshot, final: boolean) => void;
  /** Called once per chunk of lines: gap checks and the like. */
  onChunk?: () => void;
}

export interface ReplayResult {
  lines: number;
  passes: number;
  stopped: boolean;
  /** Whether passes after the first came from the decoded first pass. */
  cached: boolean;
}

/** A decoded line: what the first pass keeps for the passes after it. */
interface Decoded {
  raw: string;
  line: number;
  parsed: ParseResult;
  /** Cached trades: their pass-0 ids and times (the trade objects are shifted in place). */
  baseIds?: number[];
  baseTimes?: number[];
}

interface Chunk {
  input: number;
  items: Decoded[];
  /** Input bytes consumed up to the end of this chunk (for progress). */
  bytesRead: number;
}

export const DEFAULT_LOOP_CACHE_LINES = 100_000;

/**
 * Plays recorded inputs through the ingest, pass after pass: Binance trades CSV rows become trades,
 * JSONL lines are raw WebSocket frames for the exchange's parser (the same path as live). Pacing
 * follows the trades' own times (`Pacer`); passes after the first shift ids and times (`LoopShift`)
 * and, for inputs small enough to keep (the samples), reuse the first pass's decoded lines, so a
 * looped benchmark measures the encode-and-produce path rather than re-parsing the same CSV.
 * The loop yields to the event loop after every chunk (delivery reports, signals, /metrics) and waits
 * while the producer's queue is full. Stops early, cleanly, when `signal` aborts.
 */
export async function runReplay(plan: ReplayPlan, deps: ReplayDeps, signal: AbortSignal): Promise<ReplayResult> {
  const sizes = await Promise.all(plan.inputs.map(async (i) => (await stat(i.path)).size));
  const bytesPerPass = sizes.reduce((a, b) => a + b, 0);
  const shift = new LoopShift();
  const pacer = new Pacer(plan.speed);
  const progress: ProgressSnapshot = { bytesDone: 0, bytesTotal: bytesPerPass * plan.loops, trades: 0, pass: 0, passes: plan.loops };
  const cacheLimit = plan.loops > 1 ? (plan.loopCacheLines ?? DEFAULT_LOOP_CACHE_LINES) : 0;
  let cache: Chunk[] | undefined = cacheLimit > 0 ? [] : undefined;
  let cachedLines = 0;
  let lines = 0;
  let pass = 0;
  const result = (stopped: boolean): ReplayResult => ({ lines, passes: pass, stopped, cached: cache !== undefined && pass > 1 });

  /**
   * A chunk of decoded lines through pacing and the ingest; false when stopped while waiting. Awaits
   * only to pace or when the producer pushes back, so a fast replay stays a plain loop.
   */
  const playChunk = async (items: readonly Decoded[], input: ReplayInput, receivedTime: number): Promise<boolean> => {
    const source = `replay:${input.path}`;
    for (const d of items) {
      lines++;
      const parsed = d.parsed;
      if (parsed.kind === 'trades') {
        const trades = parsed.trades;
        for (let k = 0; k < trades.length; k++) {
          const t = trades[k] as Trade;
          if (pass === 0) {
            shift.observe(t);
            if (d.baseIds) {
              d.baseIds.push(t.tradeId);
              d.baseTimes?.push(t.tradeTime);
            }
          } else if (d.baseIds) shift.shift(t, pass, receivedTime, d.baseIds[k], d.baseTimes?.[k]);
          else shift.shift(t, pass, receivedTime);
        }
        const first = trades[0];
        if (pacer.paced && first) {
          const wait = pacer.delay(first.tradeTime, Date.now());
          if (wait >= 1) {
            await sleep(wait, undefined, { signal }).catch(() => undefined);
            if (signal.aborted) return false;
          }
        }
        progress.trades += trades.length;
      }
      deps.ingest.parsed(input.exchange, d.raw, parsed, receivedTime, parsed.kind === 'trades' ? source : `${source}:${d.line}`);
      if (deps.sink.parked > 0) await deps.sink.whenWritable();
    }
    return true;
  };

  const endOfChunk = async (bytesDone: number): Promise<boolean> => {
    progress.bytesDone = bytesDone;
    deps.onChunk?.();
    deps.onProgress?.(progress, false);
    if (signal.aborted) return false;
    // Let delivery reports, timers and signals in between chunks.
    await new Promise((r) => setImmediate(r));
    return true;
  };

  for (; pass < plan.loops; pass++) {
    progress.pass = pass;
    const passStart = pass * bytesPerPass;
    if (pass > 0 && cache) {
      let input = -1;
      for (const chunk of cache) {
        if (chunk.input !== input) {
          input = chunk.input;
          pacer.reset();
        }
        if (!(await playChunk(chunk.items, plan.inputs[chunk.input] as ReplayInput, Date.now()))) return result(true);
        if (!(await endOfChunk(passStart + chunk.bytesRead))) return result(true);
      }
      continue;
    }
    let bytesBefore = passStart;
    for (const [i, input] of plan.inputs.entries()) {
      pacer.reset();
      const decode = decoder(input);
      for await (const chunk of readLines(input.path)) {
        const receivedTime = Date.now();
        const items: Decoded[] = [];
        for (let j = 0; j < chunk.lines.length; j++) {
          const raw = chunk.lines[j] as string;
          if (raw === '') continue;
          const line = chunk.firstLine + j;
          const parsed = decode(raw, receivedTime, line);
          if (parsed === undefined) continue;
          items.push(cache && parsed.kind === 'trades' ? { raw, line, parsed, baseIds: [], baseTimes: [] } : { raw, line, parsed });
        }
        if (!(await playChunk(items, input, receivedTime))) return result(true);
        if (cache) {
          cachedLines += items.length;
          if (cachedLines > cacheLimit) cache = undefined;
          else cache.push({ input: i, items, bytesRead: bytesBefore - passStart + chunk.bytesRead });
        }
        if (!(await endOfChunk(bytesBefore + chunk.bytesRead))) return result(true);
      }
      bytesBefore += sizes[i] as number;
    }
  }
  progress.bytesDone = progress.bytesTotal;
  deps.onProgress?.(progress, true);
  return result(false);
}

type Decode = (raw: string, receivedTime: number, line: number) => ParseResult | undefined;

function decoder(input: ReplayInput): Decode {
  if (input.format === 'jsonl') {
    const parser = PARSERS[input.exchange];
    return (raw, receivedTime) => parser.parse(raw, receivedTime);
  }
  const symbol = input.symbol as string;
  let first = true;
  return (raw, receivedTime, line) => {
    const fields = raw.split(',');
    // One header line is tolerated (newer dumps have one): a first row that does not start with a digit.
    if (first) {
      first = false;
      if (!/^\d/.test(fields[0] as string)) return undefined;
    }
    try {
      return { kind: 'trades', trades: [parseBinanceTradeFields(fields, { symbol, receivedTime }, line)] };
    } catch (err) {
      if (err instanceof CsvFormatError) return { kind: 'malformed', reason: 'csv-format' };
      throw err;
    }
  };
}
