import { describeKafka, type ReplayConfig } from '../config.js';
import { TradeIdTracker } from '../exchanges/gaps.js';
import { GapReporter } from '../ingest/gap-reporter.js';
import { TradeIngest } from '../ingest/trade-ingest.js';
import { KafkaSink } from '../kafka/kafka-sink.js';
import { positionsTopicSpec, readPosition } from '../kafka/positions-store.js';
import { preflight } from '../kafka/preflight.js';
import { ProducerMetrics } from '../metrics.js';
import { formatDuration, ProgressBar, type ProgressSnapshot } from '../replay/progress.js';
import { describePosition, PositionCheckpoints, type ReplayPosition } from '../replay/positions.js';
import { runReplay } from '../replay/replay-runner.js';
import { log, printBanner, startMetrics } from '../runtime.js';

/**
 * `producer replay FILE...`: recorded trades into the trades topic, paced or as fast as possible,
 * then flush and print a summary on stdout. Exit 0 when every record was acknowledged; non-zero when
 * any was not (delivery errors are counted and logged as they happen, and named in the final error).
 * SIGTERM/SIGINT stop reading and flush what was read.
 *
 * With a transactional id (exactly once, as Kafka Connect's exactly-once sources, KIP-618): the
 * records and the replay's position go to Kafka in one transaction every `commitIntervalMs`, and a
 * restart with the same id resumes after the last committed position (initTransactions fences and
 * aborts whatever a killed predecessor left open).
 */
export async function replayCommand(cfg: ReplayConfig, signal: AbortSignal): Promise<void> {
  const speed = Number.isFinite(cfg.speed) ? (cfg.speed === 1 ? 'real time' : `x${cfg.speed}`) : 'as fast as possible';
  const reports = cfg.deliveryReports ?? (Number.isFinite(cfg.speed) ? 'all' : 'errors');
  printBanner('producer replay', [
    ...cfg.inputs.map((i) => `  input       ${i.path} (${i.format === 'jsonl' ? `${i.exchange} WebSocket frames` : `Binance trades CSV, symbol ${i.symbol}`})`),
    `  pace        ${speed}, ${Number.isFinite(cfg.loops) ? `${cfg.loops} pass${cfg.loops > 1 ? 'es (ids and times shifted after the first)' : ''}` : 'looping until stopped'}`,
    ...describeKafka(cfg, reports),
  ]);
  const txId = cfg.transactionalId;
  const metrics = new ProducerMetrics();
  const serde = await preflight(cfg, log, txId === undefined ? [] : [positionsTopicSpec(cfg.positionsTopic)]);
  const sink = await KafkaSink.connect(
    { ...cfg.sink, deliveryReports: reports, conn: cfg.conn, clientId: 'candlestream-producer-replay', transactionalId: txId },
    metrics,
    log,
  );
  let resumeFrom: ReplayPosition | undefined;
  let checkpoints: PositionCheckpoints | undefined;
  if (txId !== undefined) {
    try {
      // After initTransactions (in connect): a killed predecessor's open transaction is aborted by now.
      resumeFrom = await readPosition(cfg.conn, cfg.positionsTopic, txId);
    } catch (err) {
      await sink.close();
      throw err;
    }
    const key = sink.key(txId);
    checkpoints = new PositionCheckpoints(
      cfg.commitIntervalMs,
      async (pos) => {
        sink.send({ topic: cfg.positionsTopic, key, value: Buffer.from(JSON.stringify(pos)), timestamp: Date.now() });
        await sink.commitTransaction();
      },
      resumeFrom,
    );
    console.error(
      `  exactly once transactional id ${txId}, positions in ${cfg.positionsTopic}, commit every ${cfg.commitIntervalMs} ms: ${describePosition(resumeFrom)}`,
    );
    log.info('exactly-once replay', { transactionalId: txId, positionsTopic: cfg.positionsTopic, resumeFrom: resumeFrom ?? null });
  }
  const tracker = new TradeIdTracker();
  const gaps = new GapReporter(tracker, metrics, log, cfg.gapGraceMs);
  const ingest = new TradeIngest({
    topic: cfg.topic,
    dlqTopic: cfg.dlqTopic,
    serde,
    sink,
    metrics,
    log,
    tracker,
    gaps,
    // Kraken's v1 ids are synthesised from times: not consecutive, so no gap detection for them.
    consecutiveIds: new Set(cfg.inputs.filter((i) => !(i.exchange === 'KRAKEN' && i.format === 'jsonl')).map((i) => i.exchange)),
    observeLag: false,
  });
  const server = await startMetrics(cfg.metricsPort, metrics, () => ({
    ok: !sink.fatalError,
    detail: { ...ingest.stats, delivered: sink.delivered, failed: sink.failed, outstanding: sink.outstanding },
  }));
  const bar = (cfg.progress ?? process.stderr.isTTY === true) ? new ProgressBar() : undefined;
  let lastLog = Date.now();
  const onProgress = (p: ProgressSnapshot, final: boolean): void => {
    if (bar) bar.update(p, final);
    else if (Date.now() - lastLog >= 10_000) {
      lastLog = Date.now();
      log.info('replay progress', { ...p, delivered: sink.delivered });
    }
  };
  const started = performance.now();
  const cpuAtStart = process.cpuUsage();
  try {
    const result = await runReplay({ ...cfg, resumeFrom }, { ingest, sink, onChunk: () => gaps.check(Date.now()), onProgress, checkpoints }, signal);
    gaps.check(Date.now(), true);
    const stats = ingest.stats;
    bar?.done();
    if (result.stopped) log.info('replay stopped by signal: flushing what was read', { lines: result.lines });
    // The final position (the end, or where a signal stopped the loop) with the last records.
    if (checkpoints) {
      await checkpoints.commit();
      log.info('replay position committed', { position: checkpoints.position, transactions: checkpoints.commits, skippedLines: result.skipped });
    }
    await sink.flush(cfg.flushTimeoutMs);
    const seconds = (performance.now() - started) / 1000;
    const rssMb = Math.round(process.resourceUsage().maxRSS / 1024);
    // CPU of the replay itself (all threads: the JS thread and librdkafka's), not of start-up.
    const cpu = process.cpuUsage(cpuAtStart);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    console.log(
      `replayed ${stats.trades} trades from ${result.lines} lines in ${seconds < 60 ? `${seconds.toFixed(2)} s` : formatDuration(seconds)} ` +
        `(${Math.round(stats.published / seconds)} trades/s, peak RSS ${rssMb} MB, CPU ${cpuSeconds.toFixed(1)} s): ` +
        `${stats.published} produced to ${cfg.topic}, ${stats.duplicates} duplicates dropped, ` +
        `${stats.malformed} malformed (dead-lettered to ${cfg.dlqTopic}), ${stats.ignored} ignored, ${gaps.reported.length} gaps`,
    );
  } finally {
    bar?.done();
    await sink.close();
    await server?.close();
  }
}
