/**
 * `<PaymentCheckout>`: the `<payment-checkout>` element as a React component (built with `@lit/react`). Its props are the
 * element's properties (`api`, `orderId`, `sessionId`, `clientSecret`, `timeout`, `sw`, `locale`, …) plus one typed
 * handler per `checkout-*` event. A `ref` gives the element itself (`pay()`, `retry()`, `resume()`, `cancel()`).
 *
 * @example
 * ```tsx
 * <PaymentCheckout api="https://pay.example/api/payments" orderId="ord_123" onCheckoutComplete={(e) => navigate(`/orders/${e.detail.orderId}`)} />
 * ```
 */
import * as React from 'react';
import { createComponent, type EventName } from '@lit/react';
import {
  PaymentCheckout as PaymentCheckoutElement,
  type CheckoutCancelEvent,
  type CheckoutCompleteEvent,
  type CheckoutErrorEvent,
  type CheckoutReadyEvent,
  type CheckoutStatusEvent,
} from 'payment-checkout/widget';

export const PaymentCheckout = createComponent({
  react: React,
  tagName: 'payment-checkout',
  elementClass: PaymentCheckoutElement,
  displayName: 'PaymentCheckout',
  events: {
    onCheckoutReady: 'checkout-ready' as EventName<CheckoutReadyEvent>,
    onCheckoutStatus: 'checkout-status' as EventName<CheckoutStatusEvent>,
    onCheckoutComplete: 'checkout-complete' as EventName<CheckoutCompleteEvent>,
    onCheckoutCancel: 'checkout-cancel' as EventName<CheckoutCancelEvent>,
    onCheckoutError: 'checkout-error' as EventName<CheckoutErrorEvent>,
  },
});

/** The props of `<PaymentCheckout>`. */
export type PaymentCheckoutProps = React.ComponentProps<typeof PaymentCheckout>;
