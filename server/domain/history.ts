/**
 * A session's interruption and retry history, bounded: the lists keep their latest HISTORY_LIMIT entries and the counts
 * keep the full totals. An interrupt → resume cycle costs no attempt before a payment, so without the cap a client could
 * grow one session (and every read, summary and event of it) without end.
 */
import type { Interruption, Retry, SessionMeta } from './model.js';

export const HISTORY_LIMIT = 50;

const latest = <T>(list: T[], entry: T): T[] => [...list.slice(-(HISTORY_LIMIT - 1)), entry];

export function interruptionCount(m: SessionMeta): number {
  return m.interruptionCount ?? m.interruptions.length;
}

export function retryCount(m: SessionMeta): number {
  return m.retryCount ?? m.retries.length;
}

export function recordInterruption(m: SessionMeta, entry: Interruption): Pick<SessionMeta, 'interruptions' | 'interruptionCount'> {
  return { interruptions: latest(m.interruptions, entry), interruptionCount: interruptionCount(m) + 1 };
}

/** The metadata with one more interruption. */
export function withInterruption(m: SessionMeta, entry: Interruption): SessionMeta {
  return { ...m, ...recordInterruption(m, entry) };
}

const KNOWN_REASONS = new Set(['timeout', 'network', 'user', 'unload', 'decline', 'processor_error']);
/** An interruption's reason as a metric label: free-text reasons count as "other", so the label set stays bounded. */
export function metricReason(reason: string): string {
  return KNOWN_REASONS.has(reason) ? reason : 'other';
}

export function recordRetry(m: SessionMeta, entry: Retry): Pick<SessionMeta, 'retries' | 'retryCount'> {
  return { retries: latest(m.retries, entry), retryCount: retryCount(m) + 1 };
}

/** The metadata the API shows: the bounded lists, without the stored counts (those are on /summary). */
export function publicMeta(m: SessionMeta): SessionMeta {
  const { interruptionCount: _i, retryCount: _r, ...shown } = m;
  return shown;
}
