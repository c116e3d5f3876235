#!/usr/bin/env node
// The whole pipeline on the local stack, for `npm start`: producer (live Binance when reachable,
// otherwise a replay of the real sample), processor and compactor, each a child process with its log
// in .stack/logs/<app>.log, plus a tail that prints every closed 1m candle as one line.
// Ctrl-C stops the producer first, then the rest, each with SIGTERM (they commit and close cleanly);
// state, topics and the lake stay, so a restart goes on where this run stopped.
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const env = process.env;
const STACK = env.CANDLESTREAM_STACK_DIR ?? join(ROOT, '.stack');
const LAKE = resolve(env.LAKE_DIR ?? join(ROOT, 'lake'));
const STATE = resolve(env.STATE_DIR ?? join(STACK, 'state', 'processor'));
const SAMPLE = resolve(env.REPLAY_FILE ?? join(ROOT, '..', 'shared', 'data', 'binance', 'trades', 'BTCUSDT-trades-2017-08-17.csv'));
const SPEED = env.REPLAY_SPEED ?? 'x60';
const PORTS = { producer: env.PRODUCER_METRICS_PORT ?? '9464', processor: env.PROCESSOR_METRICS_PORT ?? '9465', compactor: env.COMPACTOR_METRICS_PORT ?? '9466' };
const say = (msg) => process.stdout.write(`[pipeline] ${msg}\n`);

/** True when a TLS port of the exchange accepts a TCP connection within 3 s (no internet: false). */
function reachable(host, port) {
  return new Promise((res) => {
    const s = connect({ host, port, timeout: 3000 });
    s.once('connect', () => (s.destroy(), res(true)));
    s.once('timeout', () => (s.destroy(), res(false)));
    s.once('error', () => res(false));
  });
}

const children = [];
function start(name, args, extraEnv, { logToStdout = false } = {}) {
  mkdirSync(join(STACK, 'logs'), { recursive: true });
  const log = createWriteStream(join(STACK, 'logs', `${name}.log`), { flags: 'a' });
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
  // Both streams share one log file: neither may end it for the other.
  child.stdout.pipe(logToStdout ? process.stdout : log, { end: false });
  child.stderr.pipe(log, { end: false });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      say(`${name} exited (${signal ?? code}); see ${join(STACK, 'logs', `${name}.log`)}`);
      // A replay that ends cleanly leaves the rest running: the last windows close as time goes on.
      if (name !== 'producer' || code !== 0) stop(1);
    }
  });
  children.push({ name, child });
  return child;
}

let stopping = false;
async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  say('stopping: producer first, then processor, compactor and tail');
  const order = ['producer', 'processor', 'compactor', 'tail'];
  for (const name of order) {
    const c = children.find((x) => x.name === name)?.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) continue;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    const timer = setTimeout(() => c.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  }
  say('stopped');
  process.exit(code);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

const app = (name) => join(ROOT, 'apps', name, 'dist', 'main.js');
let mode = env.PIPELINE_MODE ?? 'auto';
if (mode === 'auto') {
  mode = (await reachable('stream.binance.com', 9443)) ? 'live' : 'replay';
  say(mode === 'live' ? 'Binance is reachable: live trades' : 'Binance is not reachable from here: replaying the real sample instead');
}
if (mode === 'replay' && !existsSync(SAMPLE)) {
  say(`no sample at ${SAMPLE}; set REPLAY_FILE to a Binance trades CSV or JSONL recording`);
  process.exit(2);
}

start('processor', [app('processor')], { METRICS_PORT: PORTS.processor, STATE_DIR: STATE, ...(mode === 'live' ? { IDLE_ADVANCE_MS: env.IDLE_ADVANCE_MS ?? '10000' } : {}) });
start('compactor', [app('compactor'), 'run'], { METRICS_PORT: PORTS.compactor, LAKE_DIR: LAKE, COMPACTOR_FLUSH_INTERVAL_MS: env.COMPACTOR_FLUSH_INTERVAL_MS ?? '5000' });
start('tail', [app('compactor'), 'tail', '--symbol', env.TAIL_SYMBOL ?? 'BTCUSDT', '--interval', '1m', '--from', 'end'], {}, { logToStdout: true });
if (mode === 'live') {
  start('producer', [app('producer'), 'live'], { METRICS_PORT: PORTS.producer });
} else {
  // Exactly once across restarts: the replay's position is committed with its trades, so a later
  // `npm start` goes on where this one stopped (REPLAY_TRANSACTIONAL_ID=<new id> replays from the start).
  const replayId = env.REPLAY_TRANSACTIONAL_ID ?? 'npm-start-replay';
  say(`replay of ${SAMPLE} at speed ${SPEED} (REPLAY_SPEED=max|realtime|xN to change), exactly once as ${replayId}`);
  start('producer', [app('producer'), 'replay', '--speed', SPEED, '--transactional-id', replayId, SAMPLE], { METRICS_PORT: PORTS.producer });
}
say(`metrics: http://127.0.0.1:${PORTS.producer}/metrics (producer), :${PORTS.processor}/metrics (processor), :${PORTS.compactor}/metrics (compactor)`);
say(`open candle from the state stores: http://127.0.0.1:${PORTS.processor}/candles/BINANCE:BTCUSDT?interval=1m`);
say(`lake: ${LAKE}  (SQL: node apps/compactor/dist/main.js query "select * from candles_1m order by open_time desc limit 5")`);
say(`logs: ${join(STACK, 'logs')}/{producer,processor,compactor}.log; Ctrl-C stops everything`);
