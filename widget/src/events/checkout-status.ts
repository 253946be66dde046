import { checkoutEvent } from './checkout-event.js';

/** Fired whenever the session's status, attempt number or attempt limit changes. `status` is lower case, like the attribute. */
export interface CheckoutStatusDetail {
  status: string;
  attempt: number;
  maxAttempts: number;
}

export class CheckoutStatusEvent extends checkoutEvent<CheckoutStatusDetail>('checkout-status') {}

declare global {
  interface GlobalEventHandlersEventMap {
    'checkout-status': CheckoutStatusEvent;
  }
}
