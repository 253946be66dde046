/** The retry schedule: first retry about 5 s after the first try, every delay longer than the one before until the cap, at least 3 days in all. */
import { describe, expect, it } from 'vitest';
import { RETRIES, minimumSpanMs, retryDelay } from '../../server/webhooks/schedule.js';

describe('webhook retry schedule', () => {
  it('should start near the base, grow, and span at least 3 days before giving up', () => {
    const base = 5_000;
    expect(retryDelay(0, base, () => 0)).toBe(5_000);
    expect(retryDelay(0, base, () => 0.999)).toBeLessThan(6_300);
    const plain = Array.from({ length: RETRIES }, (_, k) => retryDelay(k, base, () => 0)!);
    for (let k = 1; k < plain.length; k++) expect(plain[k]).toBeGreaterThanOrEqual(plain[k - 1]!);
    expect(plain[1]).toBeGreaterThan(plain[0]!);
    expect(Math.max(...plain)).toBe(24 * 3_600_000);
    expect(minimumSpanMs(base)).toBeGreaterThanOrEqual(3 * 24 * 3_600_000);
    expect(retryDelay(RETRIES, base)).toBeNull();
  });

  it('should scale the whole schedule with the base, and only lengthen with jitter', () => {
    expect(minimumSpanMs(50)).toBe(minimumSpanMs(5_000) / 100);
    for (let k = 0; k < RETRIES; k++) {
      const d = retryDelay(k, 5_000)!;
      expect(d).toBeGreaterThanOrEqual(retryDelay(k, 5_000, () => 0)!);
      expect(d).toBeLessThanOrEqual(retryDelay(k, 5_000, () => 1)!);
    }
  });
});
