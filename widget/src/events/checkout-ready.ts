import { checkoutEvent } from './checkout-event.js';

/** Fired once the widget has a session to show: restored from IndexedDB (`restored: true`) or newly created. */
export interface CheckoutReadyDetail {
  sessionId: string;
  restored: boolean;
}

export class CheckoutReadyEvent extends checkoutEvent<CheckoutReadyDetail>('checkout-ready') {}

declare global {
  interface GlobalEventHandlersEventMap {
    'checkout-ready': CheckoutReadyEvent;
  }
}
