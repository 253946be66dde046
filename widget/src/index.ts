/**
 * payment-checkout.js — defines `<payment-checkout>` (widget/README.md) and exports its parts for bundlers and tests.
 */
import { PaymentCheckout } from './element/payment-checkout.js';

export { PaymentCheckout };
export { CheckoutReadyEvent, type CheckoutReadyDetail } from './events/checkout-ready.js';
export { CheckoutStatusEvent, type CheckoutStatusDetail } from './events/checkout-status.js';
export { CheckoutCompleteEvent, type CheckoutCompleteDetail } from './events/checkout-complete.js';
export { CheckoutCancelEvent, type CheckoutCancelDetail } from './events/checkout-cancel.js';
export { CheckoutErrorEvent, type CheckoutErrorDetail } from './events/checkout-error.js';
export { ApiClient, NetworkError, TimeoutError, type ApiAnswer, type CheckoutApi } from './transport/api-client.js';
export { CheckoutController, type ControllerOptions, type ControllerEvent, type PaymentSource } from './controller/checkout-controller.js';
export type { CheckoutView, SessionJson, SessionStatus } from './controller/types.js';
export { PHASES, TABLE, present, reduce, type CheckoutState, type Phase, type Presentation } from './controller/machine.js';
export type { OfflineBridge, QueuedRequest, ReplayedAnswer } from './offline/bridge.js';
export { STRINGS, SUPPORTED_LOCALES, loadLocale } from './i18n/strings.js';

if (!customElements.get('payment-checkout')) customElements.define('payment-checkout', PaymentCheckout);
