/**
 * `usePaymentStatus(sessionId, clientSecret, options)` for Vue: the same feed as the React hook (event stream, then
 * polling every `intervalMs` × `maxPolls`), as refs. Ids may be refs or getters; a change restarts the feed, and it
 * stops with the component (or effect scope) that called it.
 */
import { computed, shallowRef, toValue, watchEffect, type ComputedRef, type MaybeRefOrGetter, type ShallowRef } from 'vue';
import { watchPaymentStatus, type PaymentSessionStatus, type PaymentStatusOptions, type PaymentStatusUpdate } from '../status/payment-status.js';

export interface PaymentStatusRefs {
  /** `{session, error, source}`, replaced on every change. */
  state: Readonly<ShallowRef<PaymentStatusUpdate>>;
  status: ComputedRef<PaymentSessionStatus | null>;
  isFinal: ComputedRef<boolean>;
}

const IDLE: PaymentStatusUpdate = { session: null, error: null, source: 'idle' };

export function usePaymentStatus(
  sessionId: MaybeRefOrGetter<string | null | undefined>,
  clientSecret: MaybeRefOrGetter<string | null | undefined>,
  options: PaymentStatusOptions = {},
): PaymentStatusRefs {
  const state = shallowRef<PaymentStatusUpdate>(IDLE);
  watchEffect((onCleanup) => {
    const id = toValue(sessionId);
    const secret = toValue(clientSecret);
    state.value = IDLE;
    if (!id || !secret) return;
    const feed = watchPaymentStatus(id, secret, options, (update) => (state.value = update));
    onCleanup(() => feed.stop());
  });
  return {
    state,
    status: computed(() => state.value.session?.status ?? null),
    isFinal: computed(() => state.value.source === 'done'),
  };
}
