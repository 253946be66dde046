/**
 * JSX types for the bare element in React 19: `<payment-checkout order-id="…" oncheckout-complete={…}>` type-checks.
 * React 19 sets a custom element's known properties as properties, other props as attributes, and turns `on<event>`
 * props into listeners of `<event>` (so `oncheckout-complete` listens to `checkout-complete`).
 */
import type * as React from 'react';
import type {
  CheckoutCancelEvent,
  CheckoutCompleteEvent,
  CheckoutErrorEvent,
  CheckoutReadyEvent,
  CheckoutStatusEvent,
  PaymentCheckout as PaymentCheckoutElement,
} from 'payment-checkout/widget';

/** The element's attributes and event props, as JSX sees them. */
export interface PaymentCheckoutJsxProps extends React.DetailedHTMLProps<React.HTMLAttributes<PaymentCheckoutElement>, PaymentCheckoutElement> {
  api?: string;
  'order-id'?: string;
  'order-token'?: string;
  'session-id'?: string;
  'client-secret'?: string;
  timeout?: number | string;
  sw?: string;
  locale?: string;
  'oncheckout-ready'?: (event: CheckoutReadyEvent) => void;
  'oncheckout-status'?: (event: CheckoutStatusEvent) => void;
  'oncheckout-complete'?: (event: CheckoutCompleteEvent) => void;
  'oncheckout-cancel'?: (event: CheckoutCancelEvent) => void;
  'oncheckout-error'?: (event: CheckoutErrorEvent) => void;
}

declare module 'react' {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace JSX {
    interface IntrinsicElements {
      'payment-checkout': PaymentCheckoutJsxProps;
    }
  }
}
