/**
 * Vue's `GlobalComponents` entry for the element, so `<payment-checkout order-id="…" @checkout-complete="…">` in a
 * template type-checks (vue-tsc / Volar). Shaped as the Vue guide recommends for custom elements not built with Vue:
 * a constructor whose instance carries `$props` (attributes, properties, `on…` handlers) and `$emit` (the events).
 */
import type { EmitFn, HTMLAttributes, PublicProps } from 'vue';
import type {
  CheckoutCancelEvent,
  CheckoutCompleteEvent,
  CheckoutErrorEvent,
  CheckoutReadyEvent,
  CheckoutStatusEvent,
  PaymentCheckout as PaymentCheckoutElement,
} from 'payment-checkout/widget';

/** The element's events, by name. */
export interface PaymentCheckoutEvents {
  'checkout-ready': CheckoutReadyEvent;
  'checkout-status': CheckoutStatusEvent;
  'checkout-complete': CheckoutCompleteEvent;
  'checkout-cancel': CheckoutCancelEvent;
  'checkout-error': CheckoutErrorEvent;
}

/** What a template may set on `<payment-checkout>`. */
export interface PaymentCheckoutVueProps {
  api?: string;
  'order-id'?: string;
  'order-token'?: string;
  'session-id'?: string;
  'client-secret'?: string;
  timeout?: number | string;
  sw?: string;
  locale?: string;
  onCheckoutReady?: (event: CheckoutReadyEvent) => void;
  onCheckoutStatus?: (event: CheckoutStatusEvent) => void;
  onCheckoutComplete?: (event: CheckoutCompleteEvent) => void;
  onCheckoutCancel?: (event: CheckoutCancelEvent) => void;
  onCheckoutError?: (event: CheckoutErrorEvent) => void;
}

export type PaymentCheckoutVueComponent = new () => PaymentCheckoutElement & {
  /** For template type checks only: not a property of the element. */
  $props: HTMLAttributes & PaymentCheckoutVueProps & PublicProps;
  /** For template type checks only: not a property of the element. */
  $emit: EmitFn<{ [K in keyof PaymentCheckoutEvents]: (event: PaymentCheckoutEvents[K]) => void }>;
};

declare module 'vue' {
  interface GlobalComponents {
    'payment-checkout': PaymentCheckoutVueComponent;
  }
}
