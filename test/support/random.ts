/** A seeded PRNG (mulberry32) for fault tests: kill moments must be random yet replayable by seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed from `envVar`, or a fresh one; printed so a failing run can be replayed. */
export function seedFrom(envVar: string, what: string): number {
  const seed = Number(process.env[envVar] ?? Math.floor(Math.random() * 2 ** 31));
  console.log(`${what} seed: ${seed} (rerun with ${envVar}=${seed})`);
  return seed;
}
