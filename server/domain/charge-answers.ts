/** The answers /complete gives (and stores under its key) for a settled charge. */
import { AppError } from '../errors.js';
import type { ChargeOutcome } from '../processor/types.js';
import type { ChargeRow, SessionRow } from './model.js';
import type { ApiResult } from './idempotency.js';
import { canResume } from './states.js';

/** What a settlement learnt: the processor's outcome, or that the call never reached it. */
export type Settlement = ChargeOutcome | { status: 'failed'; code: 'processor_error'; retryable: true; chargeId: null; notReached: true };

export function declineError(outcome: Settlement & { status: 'failed' }): { code: string; message: string } {
  if ('notReached' in outcome) return { code: 'processor_error', message: 'The payment did not reach the processor; nothing was charged.' };
  return { code: outcome.code, message: new AppError(outcome.code).message };
}

/** The answer /complete gives (and replays) for a settled charge. */
export function chargeAnswer(charge: Pick<ChargeRow, 'startedAt' | 'resolvedAt' | 'paymentId' | 'status'>, s: SessionRow, outcome?: Settlement): ApiResult {
  if (charge.status === 'succeeded') {
    return {
      status: 200,
      body: { status: 'COMPLETED', paymentId: charge.paymentId, processingTimeMs: Math.max(0, (charge.resolvedAt ?? charge.startedAt) - charge.startedAt) },
    };
  }
  const error = outcome && outcome.status === 'failed' ? declineError(outcome) : (s.lastError ?? { code: 'card_declined', message: 'The card was declined.' });
  const code = error.code as 'card_declined' | 'insufficient_funds' | 'processor_error';
  return {
    status: 402,
    body: new AppError(code, error.message, {
      retryable: code === 'processor_error',
      status: s.status,
      attempt: s.attempts,
      maxAttempts: s.maxAttempts,
      canResume: canResume(s),
    }).toBody(),
  };
}
