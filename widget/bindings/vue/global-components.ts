/**
 * Vue's `GlobalComponents` entry for the element, so `<payment-checkout order-id="…" @checkout-complete="…">` in a
 * template type-checks (vue-tsc / Volar). Shaped as the Vue guide recommends for custom elements not built with Vue:
 * a constructor whose instance carries `$props` (attributes, properties, `on…` handlers) and `$emit` (the events).
 */
import type { EmitFn, HTMLAttributes, PublicProps } from 'vue';
import type { PaymentCheckout as PaymentCheckoutElement } from 'payment-checkout/widget';
import type { PaymentCheckoutAttributes, PaymentCheckoutEvents } from '../shared/element.js';

/** What a template may set on `<payment-checkout>`: its attributes and `onCheckoutReady`, … (what `@checkout-ready` becomes). */
export interface PaymentCheckoutVueProps extends PaymentCheckoutAttributes {
  onCheckoutReady?: (event: PaymentCheckoutEvents['checkout-ready']) => void;
  onCheckoutStatus?: (event: PaymentCheckoutEvents['checkout-status']) => void;
  onCheckoutComplete?: (event: PaymentCheckoutEvents['checkout-complete']) => void;
  onCheckoutCancel?: (event: PaymentCheckoutEvents['checkout-cancel']) => void;
  onCheckoutError?: (event: PaymentCheckoutEvents['checkout-error']) => void;
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
