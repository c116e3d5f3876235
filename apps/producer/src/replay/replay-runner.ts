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
import { isBefore, type Checkpoints, type ReplayPosition } from './positions.js';
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
  /**
   * Resume here: lines before it are already in the topic and are not ingested (no produce, no
   * pacing), but pass-0 lines before it are still decoded, observed by `LoopShift` and cached, so
   * later passes shift exactly as in an uninterrupted run.
   */
  resumeFrom?: ReplayPosition;
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
  /**
   * Told the position after every line handed to the ingest; the loop awaits `commit` only when it
   * says one is due, and before a pacing wait that would make one due. At the end of a full replay
   * it is told `{ pass: loops, input: 0, line: 0 }` (the caller commits that, or the position where a
   * signal stopped the loop).
   */
  checkpoints?: Checkpoints;
}

export interface ReplayResult {
  /** Lines handed to the ingest. */
  lines: number;
  /** Lines skipped because they came before `resumeFrom`. */
  skipped: number;
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
  let skipped = 0;
  let pass = 0;
  const checkpoints = deps.checkpoints;
  // Cleared at the first line not before it: from there on every line plays.
  let resume = plan.resumeFrom && (plan.resumeFrom.pass > 0 || plan.resumeFrom.input > 0 || plan.resumeFrom.line > 0) ? plan.resumeFrom : undefined;
  const result = (stopped: boolean): ReplayResult => ({ lines, skipped, passes: pass, stopped, cached: cache !== undefined && pass > 1 });

  /**
   * A chunk of decoded lines through pacing and the ingest; false when stopped while waiting. Awaits
   * only to pace or when the producer pushes back, so a fast replay stays a plain loop.
   */
  const playChunk = async (items: readonly Decoded[], inputIndex: number, receivedTime: number): Promise<boolean> => {
    const input = plan.inputs[inputIndex] as ReplayInput;
    const source = `replay:${input.path}`;
    for (const d of items) {
      let skip = false;
      if (resume) {
        skip = isBefore(pass, inputIndex, d.line, resume);
        if (!skip) {
          resume = undefined;
          pacer.reset();
        }
      }
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
        if (skip) {
          skipped++;
          continue;
        }
        const first = trades[0];
        if (pacer.paced && first) {
          const wait = pacer.delay(first.tradeTime, Date.now());
          if (wait >= 1) {
            // Do not hold the lines played so far in an open transaction through the wait.
            if (checkpoints?.dueWithin(wait)) await checkpoints.commit();
            await sleep(wait, undefined, { signal }).catch(() => undefined);
            if (signal.aborted) return false;
          }
        }
        progress.trades += trades.length;
      } else if (skip) {
        skipped++;
        continue;
      }
      lines++;
      deps.ingest.parsed(input.exchange, d.raw, parsed, receivedTime, parsed.kind === 'trades' ? source : `${source}:${d.line}`);
      if (checkpoints?.advance(pass, inputIndex, d.line + 1)) await checkpoints.commit();
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
    // A pass wholly before the resume position: nothing to observe (only pass 0 is), nothing to play.
    if (pass > 0 && resume && resume.pass > pass) continue;
    if (pass > 0 && cache) {
      let input = -1;
      for (const chunk of cache) {
        if (chunk.input !== input) {
          input = chunk.input;
          pacer.reset();
        }
        if (!(await playChunk(chunk.items, chunk.input, Date.now()))) return result(true);
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
        if (!(await playChunk(items, i, receivedTime))) return result(true);
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
  checkpoints?.advance(plan.loops, 0, 0);
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
