/**
 * What a replayed request's answer means for its outbox entry. Pure, so the policy is unit-tested on its own.
 *
 * Workbox's background sync removes an entry before fetching and treats any HTTP answer as delivered, 5xx included.
 * Here an entry leaves only on an answer that is final for its Idempotency-Key: a 2xx, or a 4xx the same request would get again.
 */
import { errorOf } from '../../../widget/src/shared/answers.js';

export type ReplayVerdict =
  /** Final: remove the entry, keep the answer for the pages. */
  | { kind: 'deliver' }
  /** Not final: the entry stays and is sent again later with the same key. */
  | { kind: 'keep'; reason: string; retryAfterMs: number | null };

/** 4xx answers that say "not now" rather than "no": the same request may succeed later. */
const RETRYABLE_CLIENT_STATUSES = new Set([
  408, // Request Timeout: the server gave up waiting for us, nothing was decided
  425, // Too Early
  429, // rate limited (contract §5)
]);

/** The one 409 that is not final: another request with this key is still running (contract §2). */
const IN_FLIGHT_CODE = 'idempotency_key_in_flight';

/** `Retry-After` as delay-seconds or an HTTP date, in ms from `now`; null when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now: number): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

export function judgeAnswer(answer: { status: number; headers: Record<string, string>; body: unknown }, now: number = Date.now()): ReplayVerdict {
  const { status } = answer;
  const retryAfterMs = parseRetryAfter(answer.headers['retry-after'], now);
  if (status >= 200 && status < 300) return { kind: 'deliver' };
  if (status >= 500) return { kind: 'keep', reason: `server answered ${status}`, retryAfterMs };
  if (RETRYABLE_CLIENT_STATUSES.has(status)) return { kind: 'keep', reason: `server answered ${status}`, retryAfterMs };
  if (status === 409 && errorOf(answer)?.code === IN_FLIGHT_CODE) {
    return { kind: 'keep', reason: `409 ${IN_FLIGHT_CODE}`, retryAfterMs };
  }
  if (status >= 400) return { kind: 'deliver' };
  // 1xx/3xx cannot reach us from fetch() with redirects followed; if one does, it decided nothing.
  return { kind: 'keep', reason: `unexpected status ${status}`, retryAfterMs };
}
