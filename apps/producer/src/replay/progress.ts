/** What the progress display needs from the replay loop. */
export interface ProgressSnapshot {
  /** Bytes of input read so far, over all passes. */
  bytesDone: number;
  /** Total bytes to read; Infinity when looping forever. */
  bytesTotal: number;
  trades: number;
  pass: number;
  passes: number;
}

/**
 * A one-line progress bar on stderr, redrawn in place at most every `intervalMs`: percentage,
 * trades, trades/s over the last few seconds, and an ETA from the byte rate. Only for a terminal:
 * piped or logged output gets no carriage-return noise.
 */
export class ProgressBar {
  private lastDraw = 0;
  private readonly samples: { t: number; trades: number; bytes: number }[] = [];
  private drawn = false;

  constructor(
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly intervalMs = 250,
    private readonly now: () => number = Date.now,
  ) {}

  update(s: ProgressSnapshot, force = false): void {
    const t = this.now();
    if (!force && t - this.lastDraw < this.intervalMs) return;
    this.lastDraw = t;
    this.samples.push({ t, trades: s.trades, bytes: s.bytesDone });
    while (this.samples.length > 2 && t - (this.samples[0] as { t: number }).t > 5_000) this.samples.shift();
    this.out.write(`\r${formatProgress(s, this.samples, this.columns())}\x1b[K`);
    this.drawn = true;
  }

  /** Leaves the cursor on a fresh line. */
  done(): void {
    if (this.drawn) this.out.write('\n');
    this.drawn = false;
  }

  private columns(): number {
    return this.out.columns ?? 100;
  }
}

export function formatProgress(s: ProgressSnapshot, samples: readonly { t: number; trades: number; bytes: number }[], columns = 100): string {
  const first = samples[0];
  const last = samples[samples.length - 1];
  const dt = first && last ? (last.t - first.t) / 1000 : 0;
  const rate = dt > 0 && first && last ? (last.trades - first.trades) / dt : 0;
  const byteRate = dt > 0 && first && last ? (last.bytes - first.bytes) / dt : 0;
  const finite = Number.isFinite(s.bytesTotal) && s.bytesTotal > 0;
  const fraction = finite ? Math.min(1, s.bytesDone / s.bytesTotal) : 0;
  const eta = finite && byteRate > 0 ? (s.bytesTotal - s.bytesDone) / byteRate : undefined;
  const pass = Number.isFinite(s.passes) ? `pass ${s.pass + 1}/${s.passes}` : `pass ${s.pass + 1}`;
  const text = `${finite ? `${(fraction * 100).toFixed(1).padStart(5)}%` : ''} ${s.trades.toLocaleString('en-US')} trades  ${formatRate(rate)}/s  ETA ${eta === undefined ? '--:--' : formatDuration(eta)}  ${pass}`;
  const barWidth = Math.max(10, Math.min(40, columns - text.length - 4));
  if (!finite) return text.trim();
  const filled = Math.round(fraction * barWidth);
  return `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}] ${text.trim()}`;
}

function formatRate(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return n.toFixed(0);
}

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const mm = String(m).padStart(2, '0');
  const ss = String(sec).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}
