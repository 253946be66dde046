/**
 * JSX types for the bare element in React 19: `<payment-checkout order-id="…" oncheckout-complete={…}>` type-checks.
 * React 19 sets a custom element's known properties as properties, other props as attributes, and turns `on<event>`
 * props into listeners of `<event>` (so `oncheckout-complete` listens to `checkout-complete`).
 */
import type * as React from 'react';
import type { PaymentCheckout as PaymentCheckoutElement } from 'payment-checkout/widget';
import type { PaymentCheckoutAttributes, PaymentCheckoutEvents } from '../shared/element.js';

/** `oncheckout-ready`, `oncheckout-status`, …: one listener prop per event. */
type EventProps = { [K in keyof PaymentCheckoutEvents as `on${K}`]?: (event: PaymentCheckoutEvents[K]) => void };

/** The element's attributes and event props, as JSX sees them. */
export interface PaymentCheckoutJsxProps
  extends React.DetailedHTMLProps<React.HTMLAttributes<PaymentCheckoutElement>, PaymentCheckoutElement>, PaymentCheckoutAttributes, EventProps {}

declare module 'react' {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace JSX {
    interface IntrinsicElements {
      'payment-checkout': PaymentCheckoutJsxProps;
    }
  }
}
