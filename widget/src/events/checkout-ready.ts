/** Fired once the widget has a session to show: restored from IndexedDB (`restored: true`) or newly created. */
export interface CheckoutReadyDetail {
  sessionId: string;
  restored: boolean;
}

export class CheckoutReadyEvent extends CustomEvent<CheckoutReadyDetail> {
  static readonly eventName = 'checkout-ready';
  constructor(detail: CheckoutReadyDetail) {
    super(CheckoutReadyEvent.eventName, { detail, bubbles: true, composed: true });
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'checkout-ready': CheckoutReadyEvent;
  }
}
