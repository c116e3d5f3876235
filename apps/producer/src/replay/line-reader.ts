import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

/** A run of whole lines from a file, and how far into the file (bytes) it ends. */
export interface LineChunk {
  lines: string[];
  /** 1-based number of the first line in `lines`. */
  firstLine: number;
  bytesRead: number;
}

/**
 * The lines of a text file, a chunk at a time, without holding the file in memory (Binance's daily
 * dumps run to hundreds of MB). Lines keep their exact text: only the `\n` (and a `\r` before it)
 * is removed, and a last line without `\n` still counts. Empty lines are passed on (callers skip them).
 */
export async function* readLines(path: string, chunkBytes = 256 * 1024): AsyncGenerator<LineChunk> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  let lineNo = 1;
  let bytesRead = 0;
  for await (const buf of createReadStream(path, { highWaterMark: chunkBytes })) {
    bytesRead += (buf as Buffer).length;
    const text = rest + decoder.write(buf as Buffer);
    const parts = text.split('\n');
    rest = parts.pop() as string;
    if (parts.length === 0) continue;
    const lines = parts.map(stripCr);
    yield { lines, firstLine: lineNo, bytesRead };
    lineNo += lines.length;
  }
  rest += decoder.end();
  if (rest !== '') yield { lines: [stripCr(rest)], firstLine: lineNo, bytesRead };
}

function stripCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}
