import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '@candlestream/metrics';

export interface RecorderOptions {
  dir: string;
  /** File name prefix, e.g. the exchange: `binance-2026-11-25T09-30-00.123Z-0001.jsonl`. */
  prefix: string;
  maxBytes: number;
  maxAgeMs: number;
  log: Logger;
  now?: () => number;
}

/**
 * Writes raw WebSocket text frames, one per line, to JSONL files that rotate by size and by age,
 * so a live session can be replayed byte for byte (`producer replay <files>`), in the same format
 * as shared/data/ws. A frame is written as received; the one exception is a line break inside a
 * frame, which would split the line: in JSON it can only be insignificant whitespace (a string
 * cannot hold a raw line break), so it is written as a space and counted in `rewritten`.
 * Files are opened with `wx` (never overwrite) and named by UTC time and a sequence number.
 */
export class JsonlRecorder {
  private out: WriteStream | undefined;
  private bytes = 0;
  private openedAt = 0;
  private seq = 0;
  private failure: Error | undefined;
  readonly files: string[] = [];
  frames = 0;
  rewritten = 0;

  constructor(private readonly o: RecorderOptions) {
    mkdirSync(o.dir, { recursive: true });
  }

  /** The first write error, if any: the command fails on it rather than recording nothing. */
  get error(): Error | undefined {
    return this.failure;
  }

  write(frame: string): void {
    let line = frame;
    if (line.includes('\n') || line.includes('\r')) {
      line = line.replace(/\r\n|[\r\n]/g, ' ');
      this.rewritten++;
    }
    const now = (this.o.now ?? Date.now)();
    const size = Buffer.byteLength(line, 'utf8') + 1;
    if (this.out && this.bytes > 0 && (this.bytes + size > this.o.maxBytes || now - this.openedAt >= this.o.maxAgeMs)) this.rotate();
    if (!this.out) this.open(now);
    (this.out as WriteStream).write(`${line}\n`);
    this.bytes += size;
    this.frames++;
  }

  /** Ends the current file and waits until it is on disk. */
  async close(): Promise<void> {
    const out = this.out;
    this.out = undefined;
    if (out) await new Promise<void>((resolve) => out.end(() => resolve()));
    if (this.failure) throw this.failure;
  }

  private rotate(): void {
    const out = this.out;
    this.out = undefined;
    out?.end();
  }

  private open(now: number): void {
    this.seq++;
    const stamp = new Date(now).toISOString().replace(/:/g, '-');
    const file = join(this.o.dir, `${this.o.prefix}-${stamp}-${String(this.seq).padStart(4, '0')}.jsonl`);
    const out = createWriteStream(file, { flags: 'wx' });
    out.on('error', (err) => {
      this.failure ??= err;
      this.o.log.error('cannot write recording', { file, error: err });
    });
    this.out = out;
    this.bytes = 0;
    this.openedAt = now;
    this.files.push(file);
    this.o.log.info('recording to a new file', { file });
  }
}
