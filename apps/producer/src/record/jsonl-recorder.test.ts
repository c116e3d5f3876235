import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@candlestream/metrics';
import { describe, expect, it } from 'vitest';
import { JsonlRecorder } from './jsonl-recorder.js';

const quiet = createLogger('test', { write: () => undefined });

describe('JsonlRecorder', () => {
  it('writes frames byte for byte, one per line, starting a new file past the size limit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rec-'));
    const r = new JsonlRecorder({ dir, prefix: 'binance', maxBytes: 100, maxAgeMs: 3_600_000, log: quiet });
    const frames = Array.from({ length: 10 }, (_, i) => `{"stream":"btcusdt@trade","n":${i},"s":"é"}`);
    for (const f of frames) r.write(f);
    await r.close();
    expect(r.files.length).toBe(5); // 2 frames of ~45 bytes per 100-byte file
    for (const f of r.files) expect(f).toMatch(/\/binance-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}\.\d{3}Z-\d{4}\.jsonl$/);
    expect(r.files.map((f) => readFileSync(f, 'utf8')).join('')).toBe(frames.map((f) => `${f}\n`).join(''));
    expect(r.frames).toBe(10);
  });

  it('starts a new file when the current one is older than the interval', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rec-'));
    let now = Date.UTC(2026, 0, 1);
    const r = new JsonlRecorder({ dir, prefix: 'kraken', maxBytes: 1e9, maxAgeMs: 60_000, log: quiet, now: () => now });
    r.write('a');
    now += 59_999;
    r.write('b');
    now += 1;
    r.write('c');
    await r.close();
    expect(r.files.map((f) => readFileSync(f, 'utf8'))).toEqual(['a\nb\n', 'c\n']);
    expect(r.files[0]).toContain('kraken-2026-01-01T00-00-00.000Z-0001.jsonl');
  });

  it('keeps one frame per line: line breaks inside a frame (insignificant JSON whitespace) become spaces', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rec-'));
    const r = new JsonlRecorder({ dir, prefix: 'kraken', maxBytes: 1e9, maxAgeMs: 1e9, log: quiet });
    r.write('{\n  "channel": "heartbeat"\r\n}');
    await r.close();
    expect(readFileSync(r.files[0] as string, 'utf8')).toBe('{   "channel": "heartbeat" }\n');
    expect(r.rewritten).toBe(1);
  });
});
