/**
 * The base of the widget's five events: a `CustomEvent` that bubbles and crosses the shadow root (`composed`), with
 * its name on the class (`CheckoutStatusEvent.eventName`). One class for all five keeps the bundle small.
 */
export function checkoutEvent<Detail>(name: string) {
  return class extends CustomEvent<Detail> {
    static readonly eventName = name;
    constructor(detail: Detail) {
      super(name, { detail, bubbles: true, composed: true });
    }
  };
}
