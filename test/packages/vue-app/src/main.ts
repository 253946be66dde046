/**
 * A merchant's Vue 3 page, built against the installed tarball (render functions, so no template compiler is needed):
 * `<payment-checkout>` pays the session its backend created (query `session` + `secret`), `usePaymentStatus` follows it.
 * Query: `api`, `widget=0` (the composable alone), `live=0` (polling only), `interval` (ms).
 */
import { createApp, defineComponent, h, ref } from 'vue';
import { usePaymentStatus, type CheckoutCompleteEvent } from 'payment-checkout/vue';

const query = new URLSearchParams(location.search);
const api = query.get('api') ?? '/api/payments';
const sessionId = query.get('session');
const clientSecret = query.get('secret');

const PaymentStatus = defineComponent(() => {
  const { state, status, isFinal } = usePaymentStatus(sessionId, clientSecret, {
    api,
    live: query.get('live') !== '0',
    intervalMs: Number(query.get('interval') ?? 2000),
  });
  return () =>
    h('p', [
      h('output', { id: 'hook-status' }, status.value ?? 'none'),
      h('output', { id: 'hook-source' }, state.value.source),
      isFinal.value ? h('strong', { id: 'hook-final' }, 'final') : null,
      h('output', { id: 'hook-error' }, state.value.error?.code ?? ''),
    ]);
});

const App = defineComponent(() => {
  const paid = ref('');
  const watching = ref(true);
  return () =>
    h('main', [
      query.get('widget') !== '0' && sessionId && clientSecret
        ? h('payment-checkout', {
            api,
            'session-id': sessionId,
            'client-secret': clientSecret,
            timeout: 20000,
            onCheckoutComplete: (e: CheckoutCompleteEvent) => (paid.value = e.detail.paymentId),
          })
        : null,
      watching.value ? h(PaymentStatus) : null,
      h('button', { id: 'stop-watching', onClick: () => (watching.value = false) }, 'Stop watching'),
      h('output', { id: 'paid' }, paid.value),
    ]);
});

createApp(App).mount('#root');
