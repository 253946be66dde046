/**
 * The element as a template sees it, for both bindings' types: the attributes it reads (widget/README.md) and its
 * events by name. React's JSX props and Vue's `$props` / `$emit` are built from these.
 */
import type { CheckoutCancelEvent, CheckoutCompleteEvent, CheckoutErrorEvent, CheckoutReadyEvent, CheckoutStatusEvent } from 'payment-checkout/widget';

/** The attributes `<payment-checkout>` reads. */
export interface PaymentCheckoutAttributes {
  api?: string;
  'order-id'?: string;
  'order-token'?: string;
  'session-id'?: string;
  'client-secret'?: string;
  timeout?: number | string;
  sw?: string;
  locale?: string;
}

/** The element's events, by name. */
export interface PaymentCheckoutEvents {
  'checkout-ready': CheckoutReadyEvent;
  'checkout-status': CheckoutStatusEvent;
  'checkout-complete': CheckoutCompleteEvent;
  'checkout-cancel': CheckoutCancelEvent;
  'checkout-error': CheckoutErrorEvent;
}
