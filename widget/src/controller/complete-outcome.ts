/**
 * What the answer to `POST /complete` means for the attempt, beyond what every answer means (`answers.ts`). Pure, and
 * with no import at run time: it belongs to the payment attempt's chunk, which shares no module with the entry.
 */
import type { ApiAnswer } from '../transport/api-client.js';
import type { Verdict } from './answers.js';

export type CompleteOutcome =
  | { kind: 'completed'; paymentId: string | null }
  | { kind: 'accepted' }
  | { kind: 'declined'; code: string; status: string; attempt: number | null }
  /** The server never started a charge for this key (the session was interrupted first): a new attempt is safe. */
  | { kind: 'not_started' }
  /** Another session of the order is being charged: this key started nothing (nor was its answer kept); `status`: this session's. */
  | { kind: 'elsewhere'; status: string }
  /** The token cannot be used (expired, used): ask the card fields for a new one. */
  | { kind: 'token_refused' }
  | Exclude<Verdict, { kind: 'ok' } | { kind: 'other' }>;

/** The answer to `POST /complete` with the attempt's key (`v`: its verdict, `verdictOf` of `answers.ts`). */
export function completeOutcome(answer: ApiAnswer, v: Verdict): CompleteOutcome {
  if (v.kind === 'ok') {
    const body = answer.body as { status: string; paymentId?: string };
    return body.status === 'COMPLETED' ? { kind: 'completed', paymentId: body.paymentId ?? null } : { kind: 'accepted' };
  }
  if (v.kind !== 'other') return v;
  if (answer.status === 402) {
    const d = v.details;
    return {
      kind: 'declined',
      code: v.code,
      status: typeof d.status === 'string' ? d.status : 'INTERRUPTED',
      attempt: typeof d.attempt === 'number' ? d.attempt : null,
    };
  }
  if (v.code === 'payment_in_progress' && v.details.inAnotherSession === true)
    return { kind: 'elsewhere', status: typeof v.details.status === 'string' ? v.details.status : 'INITIATED' };
  if (v.code === 'payment_in_progress' || v.code === 'idempotency_key_in_flight') return { kind: 'accepted' };
  if (v.code === 'invalid_payment_method') return { kind: 'token_refused' };
  return { kind: 'not_started' };
}
