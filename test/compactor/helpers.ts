import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Candle } from '@candlestream/market';
import { candleSerde, pipelineRegistry } from '@candlestream/pipeline';
import { LakeQuery } from '@candlestream/compactor';
import { conn, TestProducer, type OutRecord } from '../support/kafka.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = resolve(ROOT, 'apps/compactor/src/main.ts');

/** Encodes candles with the registry's candle schema (TopicNameStrategy subject of `topic`). */
export async function candleRecords(topic: string, candles: readonly Candle[]): Promise<OutRecord[]> {
  const serde = await candleSerde(pipelineRegistry(conn.registryUrl), topic);
  return candles.map((c) => ({ key: `${c.exchange}:${c.symbol}`, value: serde.serialize(c) }));
}

/** Produces in transactions of `perTxn` records (read_committed consumers see them at commit). */
export async function produceTransactional(topic: string, records: readonly OutRecord[], perTxn = 500, transactionalId?: string): Promise<void> {
  const p = await TestProducer.connect({ transactionalId: transactionalId ?? `${topic}-txn-${Date.now()}` });
  try {
    for (let i = 0; i < records.length; i += perTxn) {
      await p.begin();
      p.send(topic, records.slice(i, i + perTxn));
      await p.commit();
    }
  } finally {
    await p.close();
  }
}

export interface Child {
  proc: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves when stderr contains `text` (rejects if the process exits first or after `ms`). */
  waitFor(text: string | RegExp, ms?: number): Promise<void>;
}

const running = new Set<ChildProcess>();

/** SIGKILLs every child still running (call from afterAll: a failed test must not leave one behind). */
export function killAll(): void {
  for (const p of running) p.kill('SIGKILL');
  running.clear();
}

/** `compactor <args>` as a child process, the way it runs in production (TS sources via tsx). */
export function compactor(args: string[], env: Record<string, string> = {}): Child {
  const proc = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', MAIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const waiters: { test: (s: string) => boolean; resolve: () => void }[] = [];
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
    for (const w of [...waiters]) {
      if (w.test(err)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  });
  running.add(proc);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
    proc.on('exit', (code, signal) => {
      running.delete(proc);
      res({ code, signal });
    }),
  );
  return {
    proc,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor(text, ms = 60_000) {
      const test = (s: string): boolean => (typeof text === 'string' ? s.includes(text) : text.test(s));
      if (test(err)) return Promise.resolve();
      return new Promise((res, rej) => {
        const timer = setTimeout(() => rej(new Error(`timed out waiting for ${String(text)}; stderr:\n${err.slice(-3000)}`)), ms);
        waiters.push({
          test,
          resolve: () => {
            clearTimeout(timer);
            res();
          },
        });
        void exited.then(({ code, signal }) => {
          clearTimeout(timer);
          rej(new Error(`exited (${code ?? signal}) before ${String(text)}; stderr:\n${err.slice(-3000)}`));
        });
      });
    },
  };
}

/** Runs a command to completion; fails the test with its stderr when it does not exit 0. */
export async function compactorOk(args: string[], env: Record<string, string> = {}): Promise<string> {
  const c = compactor(args, env);
  const { code, signal } = await c.exited;
  if (code !== 0) throw new Error(`compactor ${args[0]} exited ${code ?? signal}:\n${c.stderr().slice(-4000)}`);
  return c.stdout();
}


/** In-process query over the lake (as `compactor query` sees it), rows as string arrays. */
export async function lakeRows(lakeDir: string, sql: string): Promise<string[][]> {
  const q = await LakeQuery.open(lakeDir);
  try {
    return (await q.run(sql)).getRows().map((r) => r.map((v) => (v === null ? 'NULL' : String(v))));
  } finally {
    q.close();
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
