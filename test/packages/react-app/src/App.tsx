/**
 * A merchant's React 19 page, built against the installed tarball: `<PaymentCheckout>` pays the session its backend
 * created (query `session` + `secret`), `usePaymentStatus` follows the same session. Query: `api`, `widget=0` (the hook
 * alone), `live=0` (polling only), `interval` (ms).
 */
import { useState } from 'react';
import { PaymentCheckout, usePaymentStatus, type CheckoutCompleteEvent } from 'payment-checkout/react';

const query = new URLSearchParams(location.search);
const api = query.get('api') ?? '/api/payments';
const sessionId = query.get('session');
const clientSecret = query.get('secret');

function PaymentStatus() {
  const { status, source, error, isFinal } = usePaymentStatus(sessionId, clientSecret, {
    api,
    live: query.get('live') !== '0',
    intervalMs: Number(query.get('interval') ?? 2000),
  });
  return (
    <p>
      Status <output id="hook-status">{status ?? 'none'}</output> from <output id="hook-source">{source}</output>
      {isFinal && <strong id="hook-final"> (final)</strong>}
      <output id="hook-error">{error?.code ?? ''}</output>
    </p>
  );
}

export function App() {
  const [paymentId, setPaymentId] = useState('');
  const [events, setEvents] = useState<string[]>([]);
  const [watching, setWatching] = useState(true);
  const onComplete = (e: CheckoutCompleteEvent) => setPaymentId(e.detail.paymentId);
  return (
    <main>
      <h1>React shop</h1>
      {query.get('widget') !== '0' && sessionId && clientSecret && (
        <PaymentCheckout
          api={api}
          sessionId={sessionId}
          clientSecret={clientSecret}
          timeout={20_000}
          onCheckoutReady={(e) => setEvents((list) => [...list, `ready:${e.detail.sessionId}`])}
          onCheckoutStatus={(e) => setEvents((list) => [...list, `status:${e.detail.status}`])}
          onCheckoutComplete={onComplete}
          onCheckoutError={(e) => setEvents((list) => [...list, `error:${e.detail.code}`])}
        />
      )}
      {watching && <PaymentStatus />}
      <button id="stop-watching" onClick={() => setWatching(false)}>
        Stop watching
      </button>
      <output id="paid">{paymentId}</output>
      <output id="events">{events.join(' ')}</output>
    </main>
  );
}

/** Type checks only (never rendered): what `tsc` must accept and refuse. */
export function TypeChecks() {
  const { status } = usePaymentStatus('ses_1', 'secret', { intervalMs: 500, maxPolls: 10 });
  // @ts-expect-error `timeout` is a number of milliseconds
  const wrongTimeout = <PaymentCheckout timeout="soon" />;
  // @ts-expect-error a complete event carries sessionId, orderId and paymentId, no amount
  const wrongDetail = <PaymentCheckout onCheckoutComplete={(e) => e.detail.amount} />;
  // @ts-expect-error not a status a session can have
  const wrongStatus: boolean = status === 'PAID';
  // The bare element in JSX: IntrinsicElements['payment-checkout'] comes with the package's types.
  const bare = <payment-checkout api="/api/payments" order-id="ord_1" timeout={30000} oncheckout-complete={(e) => e.detail.paymentId} />;
  // @ts-expect-error `order-id` is a string attribute
  const bareWrong = <payment-checkout order-id={42} />;
  return [wrongTimeout, wrongDetail, wrongStatus, bare, bareWrong];
}
