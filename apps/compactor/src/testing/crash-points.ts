/**
 * Test hooks for fault runs. A crash point is a named step of the write, commit and merge protocols;
 * `COMPACTOR_CRASH_AT=<point>[:<n>]` makes the process SIGKILL itself the n-th time (default: first)
 * it reaches that point, so a crash test can land a kill exactly between, say, the rename and the
 * offset commit instead of hoping a timer hits that window. `COMPACTOR_PAUSE_AT=<point>:<ms>` sleeps
 * there every time (to kill from outside, or to slow a run down so that timed kills land mid-write).
 * Unset, a hook is a no-op.
 */
export const CRASH_POINTS = [
  'after-stage',
  'after-journal',
  'mid-rename',
  'after-rename',
  'before-commit',
  'after-commit',
  'merge-after-write',
  'merge-after-rename',
  'merge-mid-delete',
] as const;
export type CrashPoint = (typeof CRASH_POINTS)[number];

export type CrashHook = (point: CrashPoint) => Promise<void>;

export const noCrash: CrashHook = () => Promise.resolve();

function parse(spec: string | undefined): { point: string; n: number } | null {
  if (!spec) return null;
  const [point, n] = spec.split(':');
  if (!CRASH_POINTS.includes(point as CrashPoint)) throw new Error(`unknown crash point ${JSON.stringify(point)} (known: ${CRASH_POINTS.join(', ')})`);
  return { point: point!, n: n === undefined ? 1 : Number(n) };
}

export function crashHookFromEnv(env: NodeJS.ProcessEnv = process.env): CrashHook {
  const crash = parse(env.COMPACTOR_CRASH_AT);
  const pauseSpec = env.COMPACTOR_PAUSE_AT?.split(':');
  const pause = pauseSpec && pauseSpec.length === 2 ? { point: pauseSpec[0], ms: Number(pauseSpec[1]) } : null;
  if (!crash && !pause) return noCrash;
  const seen = new Map<string, number>();
  return async (point) => {
    const count = (seen.get(point) ?? 0) + 1;
    seen.set(point, count);
    if (pause && pause.point === point) {
      process.stderr.write(`${JSON.stringify({ level: 'warn', msg: 'test hook: pausing', point, n: count, ms: pause.ms })}\n`);
      await new Promise((r) => setTimeout(r, pause.ms));
    }
    if (crash && crash.point === point && count === crash.n) {
      process.stderr.write(`${JSON.stringify({ level: 'warn', msg: 'test hook: SIGKILL', point, n: count })}\n`);
      process.kill(process.pid, 'SIGKILL');
      // SIGKILL is not delivered synchronously; never let the protocol step run past its point.
      await new Promise(() => undefined);
    }
  };
}

/** For in-process tests: throws at the point, leaving the lake exactly as a kill would. */
export class SimulatedCrash extends Error {
  override readonly name = 'SimulatedCrash';
}

export function throwingHook(at: CrashPoint, n = 1): CrashHook {
  let count = 0;
  return (point) => {
    if (point === at && ++count === n) return Promise.reject(new SimulatedCrash(`simulated crash at ${point}`));
    return Promise.resolve();
  };
}
