/**
 * bench/e2e.ts runs to the end against the real pages (under their CSP) and gives a figure of each kind: one queued
 * payment, one outage before Pay, two status changes. The figures themselves belong to the bench, not to a test.
 */
import { describe, expect, it } from 'vitest';

describe('bench/e2e.ts', () => {
  it('measures a queued payment, an outage before Pay and status latency', async () => {
    Object.assign(process.env, { BENCH_E2E_QUEUED_RUNS: '1', BENCH_E2E_OUTAGE_RUNS: '1', BENCH_E2E_STATUS_CHANGES: '2' });
    const { benchE2E } = await import('../../bench/e2e.js');
    const result = await benchE2E();
    for (const stat of Object.values(result)) expect(Number.isFinite(stat.median), JSON.stringify(result)).toBe(true);
  });
});
