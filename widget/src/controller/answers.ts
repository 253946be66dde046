/**
 * What the server's answers mean for the checkout, as plain data: the controller turns them into machine events.
 * Pure functions; no I/O.
 */
import { errorOf } from '../shared/answers.js';
import { QUEUED_ERROR_CODE } from '../shared/queued.js';
import type { ApiAnswer } from '../transport/api-client.js';
import type { SessionJson } from './types.js';

export type Verdict =
  | { kind: 'ok' }
  /** The server is there but cannot serve now (5xx, 429): try again by itself, like a server that is away. */
  | { kind: 'trouble' }
  | { kind: 'queued' }
  | { kind: 'paid_elsewhere' }
  /** Final: nothing this page can do changes it. */
  | { kind: 'refused'; code: string }
  | { kind: 'session_lost' }
  | { kind: 'other'; code: string; details: Record<string, unknown> };

/** Codes that end the checkout for good, shown in the final "unavailable" view. */
export const REFUSALS: ReadonlySet<string> = new Set(['order_not_found', 'invalid_order_token', 'order_token_expired', 'validation_error', 'missing_order']);

export function verdictOf(answer: ApiAnswer): Verdict {
  const err = errorOf(answer);
  if (!err) return { kind: 'ok' };
  if (err.code === QUEUED_ERROR_CODE) return { kind: 'queued' };
  if (answer.status >= 500 || answer.status === 429) return { kind: 'trouble' };
  if (err.code === 'order_already_paid') return { kind: 'paid_elsewhere' };
  if (err.code === 'session_not_found' || answer.status === 401) return { kind: 'session_lost' };
  if (REFUSALS.has(err.code)) return { kind: 'refused', code: err.code };
  return { kind: 'other', code: err.code, details: err.details };
}

/** The session in a create answer, or why there is none. */
export function createdSession(answer: ApiAnswer): { session: SessionJson & { clientSecret: string } } | { verdict: Verdict } {
  const v = verdictOf(answer);
  if (v.kind === 'ok') return { session: answer.body as SessionJson & { clientSecret: string } };
  return { verdict: v.kind === 'other' || v.kind === 'session_lost' ? { kind: 'refused', code: v.kind === 'other' ? v.code : 'order_not_found' } : v };
}

/** The order id inside an order token (a JWS), only to name the checkout in IndexedDB: the server is the judge. */
export function orderIdOfToken(token: string): string | null {
  try {
    const payload = JSON.parse(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as { orderId?: unknown };
    return typeof payload.orderId === 'string' ? payload.orderId : null;
  } catch {
    return null;
  }
}
