/** Dashboard statistics: counts by status, interruptions by reason and hourly outcomes over the last 24 hours. */
import type { Store } from '../store/types.js';

const HOUR_MS = 3_600_000;
const WINDOW_MS = 24 * HOUR_MS;
const MAX_ROWS = 20_000;

export async function analytics(store: Store, now: number) {
  const since = now - WINDOW_MS;
  const [counts, recent] = await Promise.all([store.sessions.countByStatus(), store.sessions.listActiveSince(since, MAX_ROWS)]);
  // A Map, not an object: a reason is any string a client sends (`toString`, `__proto__` would hit Object.prototype).
  const byReason = new Map<string, number>();
  const firstBucket = Math.floor(since / HOUR_MS) * HOUR_MS;
  const buckets = new Map<number, { completed: number; failed: number }>();
  for (let t = firstBucket; t <= now; t += HOUR_MS) buckets.set(t, { completed: 0, failed: 0 });
  for (const s of recent) {
    for (const i of s.metadata.interruptions) {
      if (Date.parse(i.at) >= since) byReason.set(i.reason, (byReason.get(i.reason) ?? 0) + 1);
    }
    if (s.finalAt === null) continue;
    const b = buckets.get(Math.floor(s.finalAt / HOUR_MS) * HOUR_MS);
    if (!b) continue;
    if (s.status === 'COMPLETED') b.completed++;
    else if (s.status === 'FAILED_MAX_RETRIES' || s.status === 'EXPIRED') b.failed++;
  }
  return {
    counts,
    interruptionsByReason: Object.fromEntries(byReason),
    outcomes: [...buckets].map(([t, v]) => ({ bucketStart: new Date(t).toISOString(), ...v })),
  };
}
