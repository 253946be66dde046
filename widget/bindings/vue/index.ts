/**
 * `payment-checkout/vue`: importing it defines `<payment-checkout>` and adds it to Vue's `GlobalComponents` types.
 * Vue must be told the tag is a custom element (a compile-time option): `isCustomElement` below, in the Vue plugin's
 * `template.compilerOptions` (or `app.config.compilerOptions` with the in-browser compiler). Vue 3 is a peer dependency.
 */
import 'payment-checkout/widget';

export type { PaymentCheckoutVueComponent, PaymentCheckoutVueProps } from './global-components.js';
export { usePaymentStatus, type PaymentStatusRefs } from './use-payment-status.js';
export * from '../shared/exports.js';

/** For `compilerOptions.isCustomElement`: true for the element's tag, so Vue renders it instead of looking for a component. */
export const isCustomElement = (tag: string): boolean => tag === 'payment-checkout';
