import { checkoutEvent } from './checkout-event.js';

/** Fired when the shopper cancels (after the server accepted it, or locally when the session was already final). */
export interface CheckoutCancelDetail {
  sessionId: string | null;
  reason: string;
}

export class CheckoutCancelEvent extends checkoutEvent<CheckoutCancelDetail>('checkout-cancel') {}

declare global {
  interface GlobalEventHandlersEventMap {
    'checkout-cancel': CheckoutCancelEvent;
  }
}
