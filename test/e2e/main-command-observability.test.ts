import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, eventually } from '../support/apps.js';
import { uniqueName } from '../support/kafka.js';
import { TestPrometheus } from '../support/prometheus.js';

interface Target { expr: string; datasource?: { uid?: string } }
interface Panel { title: string; type: string; datasource?: { uid?: string }; targets?: Target[] }
interface Dashboard { uid: string; title: string; panels: Panel[]; templating: { list: { name: string }[] } }

const work = mkdtempSync(join(tmpdir(), 'candlestream-main-'));
const lake = join(work, 'lake');
afterAll(() => rmSync(work, { recursive: true, force: true }));

function parquetFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.parquet'));
}

/** Dashboard variables and Grafana's own macros, as Grafana would substitute them with "All" selected. */
function substitute(expr: string, variables: string[]): string {
  let out = expr.replaceAll('$__rate_interval', '1m').replaceAll('$__interval', '15s');
  for (const v of variables) out = out.replaceAll(`$${v}`, '.*');
  return out;
}

describe('the README main command, then Prometheus over every dashboard query', () => {
  it('prints closed 1m candles, writes Parquet, and every dashboard expression returns data', async () => {
    // `npm start`, in replay mode (this machine has no internet anyway), about a minute of the real sample.
    const start = spawn('npm', ['start'], {
      cwd: ROOT,
      env: {
        ...process.env, PIPELINE_MODE: 'replay', REPLAY_SPEED: 'x1200', LAKE_DIR: lake, STATE_DIR: join(work, 'state'),
        APPLICATION_ID: uniqueName('main-app'), REPLAY_TRANSACTIONAL_ID: uniqueName('main-replay'), COMPACTOR_GROUP_ID: uniqueName('main-compactor'), COMPACTOR_FLUSH_INTERVAL_MS: '2000',
        CANDLESTREAM_STACK_DIR: join(ROOT, '.stack'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    start.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    start.stderr.on('data', (d: Buffer) => (stdout += d.toString()));
    let prometheus: TestPrometheus | undefined;
    try {
      await eventually(async () => (/BINANCE\s+BTCUSDT\s+1m\s+\d/.test(stdout) ? true : undefined), 240_000, `a printed 1m candle; output:\n${stdout.slice(-3000)}`);
      expect(stdout).toMatch(/replay of .*BTCUSDT-trades-2017-08-17.csv at speed x1200.*exactly once/);
      await eventually(async () => (parquetFiles(lake).length > 0 ? true : undefined), 60_000, 'the first Parquet file');

      prometheus = await TestPrometheus.start(['127.0.0.1:9464', '127.0.0.1:9465', '127.0.0.1:9466']);
      await prometheus.waitForScrapes(10);

      const provisioned = parse(readFileSync(join(ROOT, 'grafana/provisioning/datasources/prometheus.yml'), 'utf8')) as { datasources: { uid: string }[] };
      const uids = new Set(provisioned.datasources.map((d) => d.uid));
      const files = readdirSync(join(ROOT, 'grafana/dashboards')).filter((f) => f.endsWith('.json'));
      expect(files.length).toBeGreaterThanOrEqual(4);
      const empty: string[] = [];
      let checked = 0;
      for (const file of files) {
        const d = JSON.parse(readFileSync(join(ROOT, 'grafana/dashboards', file), 'utf8')) as Dashboard;
        expect(d.uid, file).toBeTruthy();
        expect(d.panels.length, file).toBeGreaterThan(0);
        const variables = d.templating.list.map((v) => v.name);
        for (const p of d.panels) {
          expect(uids.has(p.datasource?.uid ?? ''), `${file} ${p.title}: datasource`).toBe(true);
          expect(p.targets?.length, `${file} ${p.title}: targets`).toBeGreaterThan(0);
          for (const t of p.targets ?? []) {
            expect(uids.has(t.datasource?.uid ?? ''), `${file} ${p.title}: target datasource`).toBe(true);
            const expr = substitute(t.expr, variables);
            // Data for rates needs a few scrapes; give each expression a little time before calling it empty.
            const res = await eventually(async () => ((await prometheus!.query(expr)).result.length > 0 ? true : undefined), 20_000, expr, 1000).catch(() => false);
            if (!res) empty.push(`${file} / ${p.title}: ${expr}`);
            checked++;
          }
        }
      }
      expect(empty, `expressions without data:\n${empty.join('\n')}`).toEqual([]);
      expect(checked).toBeGreaterThan(20);
    } finally {
      await prometheus?.stop();
      // Ctrl-C, as a person would: everything stops cleanly.
      const exited = new Promise<number | null>((resolve) => start.once('exit', (code) => resolve(code)));
      if (start.exitCode === null) process.kill(-start.pid!, 'SIGINT');
      const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r('timeout'), 60_000))]);
      if (code === 'timeout') process.kill(-start.pid!, 'SIGKILL');
      expect(stdout).toMatch(/\[pipeline\] stopped/);
    }
  });
});
