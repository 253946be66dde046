/**
 * The retry schedule. The delay before retry k (k = 0 for the first retry) is `base × 4^k`, capped at `base × 17 280`
 * (24 h with the default base of 5 s), stretched by a random 0–25 % (jitter, so receivers that come back are not hit by
 * every sender at once). Ten retries after the first try: 5 s, 20 s, 80 s, ~5 min, ~21 min, ~85 min, ~5.7 h, ~23 h,
 * 24 h, 24 h, about 3 days 6 h in all before the delivery is `failed`. The jitter only lengthens, so the total never falls below it.
 */
export const RETRIES = 10;
const GROWTH = 4;
const CAP_STEPS = 17_280;
const JITTER = 0.25;

/** The delay before retry `step` (0-based), or null when the schedule is over. `random` is for tests. */
export function retryDelay(step: number, baseMs: number, random: () => number = Math.random): number | null {
  if (step >= RETRIES) return null;
  const plain = baseMs * Math.min(GROWTH ** step, CAP_STEPS);
  return Math.round(plain * (1 + JITTER * random()));
}

/** The schedule without jitter (documentation, tests): the shortest total time from the first try to `failed`. */
export function minimumSpanMs(baseMs: number): number {
  let total = 0;
  for (let step = 0; step < RETRIES; step++) total += retryDelay(step, baseMs, () => 0)!;
  return total;
}
