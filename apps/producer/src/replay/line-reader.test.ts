import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLines } from './line-reader.js';

async function collect(text: string, chunkBytes: number) {
  const path = join(mkdtempSync(join(tmpdir(), 'lines-')), 'f.txt');
  writeFileSync(path, text);
  const out: { lines: string[]; firstLine: number; bytesRead: number }[] = [];
  for await (const c of readLines(path, chunkBytes)) out.push(c);
  return out;
}

describe('readLines', () => {
  it('returns the exact lines across tiny chunks, multi-byte characters split between chunks included', async () => {
    const text = 'α,1\r\nβγ,2\n\nlast-without-newline 😀';
    for (const size of [1, 2, 3, 7, 1024]) {
      const chunks = await collect(text, size);
      expect(chunks.flatMap((c) => c.lines), `chunk ${size}`).toEqual(['α,1', 'βγ,2', '', 'last-without-newline 😀']);
      expect(chunks.at(-1)?.bytesRead).toBe(Buffer.byteLength(text));
      // Line numbers follow the file.
      let next = 1;
      for (const c of chunks) {
        expect(c.firstLine).toBe(next);
        next += c.lines.length;
      }
    }
  });

  it('reads an empty file as nothing', async () => {
    expect(await collect('', 16)).toEqual([]);
  });
});
