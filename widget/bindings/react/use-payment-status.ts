/**
 * `usePaymentStatus(sessionId, clientSecret, options)`: a payment session's status, live. It opens the server's event
 * stream and falls back to polling (every `intervalMs`, 2000, at most `maxPolls`, 30) when the stream fails; it stops
 * on a final status and when the component unmounts or the session changes (no timer, no open stream left).
 * This is the counterpart of the original design's `usePaymentStatusPoller`, with the event stream first.
 *
 * @example
 * ```tsx
 * const { status, session, error, source } = usePaymentStatus(sessionId, clientSecret, { api: 'https://pay.example/api/payments' });
 * return <p>{status ?? 'loading'} {source === 'polling' && '(polling)'}</p>;
 * ```
 */
import { useCallback, useEffect, useState } from 'react';
import {
  watchPaymentStatus,
  type PaymentSession,
  type PaymentSessionStatus,
  type PaymentStatusError,
  type PaymentStatusOptions,
  type PaymentStatusSource,
} from '../status/payment-status.js';

export interface PaymentStatusState {
  /** The session's status (`INITIATED` … `COMPLETED`), `null` until the first answer. */
  status: PaymentSessionStatus | null;
  /** The session as the server last sent it. */
  session: PaymentSession | null;
  /** The last error met (cleared by the next good answer). */
  error: PaymentStatusError | null;
  /** Where updates come from now: `sse`, `polling`, `done` (final status), `stopped` (gave up) or `idle` (no session). */
  source: PaymentStatusSource;
  /** True once the status is final (`COMPLETED`, `CANCELLED`, `FAILED_MAX_RETRIES`, `EXPIRED`). */
  isFinal: boolean;
  /** Starts following again (e.g. after `stopped`), stream first. */
  refresh: () => void;
}

const IDLE = { session: null, error: null, source: 'idle' } as const;

export function usePaymentStatus(
  sessionId: string | null | undefined,
  clientSecret: string | null | undefined,
  options: PaymentStatusOptions = {},
): PaymentStatusState {
  const { api, intervalMs, maxPolls, live } = options;
  const [state, setState] = useState<{ session: PaymentSession | null; error: PaymentStatusError | null; source: PaymentStatusSource }>(IDLE);
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    setState(IDLE);
    if (!sessionId || !clientSecret) return undefined;
    const feed = watchPaymentStatus(sessionId, clientSecret, { api, intervalMs, maxPolls, live }, setState);
    return () => feed.stop();
  }, [sessionId, clientSecret, api, intervalMs, maxPolls, live, generation]);

  const refresh = useCallback(() => setGeneration((g) => g + 1), []);
  const status = state.session?.status ?? null;
  return { ...state, status, isFinal: state.source === 'done', refresh };
}
