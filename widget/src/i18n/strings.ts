/**
 * Every string the widget shows, in one table. English is complete and the fallback; a missing key in another
 * locale falls back to English. `{name}` placeholders are filled from params.
 */
const en = {
  'label.cardNumber': 'Card number',
  'label.expiry': 'Expiry (MM/YY)',
  'placeholder.expiry': 'MM/YY',
  'label.cvc': 'Security code (CVC)',
  'button.pay': 'Pay',
  'button.payAmount': 'Pay {amount}',
  'button.processing': 'Processing…',
  'button.retry': 'Retry',
  'button.resume': 'Resume',
  'button.cancel': 'Cancel',
  'attempts': 'Attempt {attempt} of {max}',
  'session': 'Session {id}',
  'status.idle': 'Preparing checkout…',
  'status.initiated': 'Ready to pay',
  'status.processing': 'Processing payment…',
  'status.interrupted': 'Payment interrupted',
  'status.resumed': 'Ready to pay again',
  'status.completed': 'Payment complete',
  'status.cancelled': 'Checkout cancelled',
  'status.failed_max_retries': 'Max retries exceeded',
  'status.expired': 'Checkout expired',
  'msg.enterCard': 'Enter your card details to pay.',
  'msg.processing': 'Processing your payment. Please keep this page open.',
  'msg.awaiting': 'Waiting for the payment processor to confirm…',
  'msg.completed': 'Payment complete. Thank you!',
  'msg.cancelled': 'The checkout was cancelled.',
  'msg.expired': 'This checkout expired before the payment. Nothing was charged.',
  'msg.maxRetries': 'No more attempts are possible for this checkout. Nothing was charged.',
  'msg.interrupted': 'The payment was interrupted before any charge. Resume to continue.',
  'msg.card_declined': 'Your card was declined. Try another card.',
  'msg.insufficient_funds': 'The card has insufficient funds. Try another card.',
  'msg.processor_error': 'The payment processor had a temporary problem. Nothing was charged; please retry.',
  'msg.timeout': 'The payment is taking longer than expected. Retry asks the payment server how it went: you will not be charged twice.',
  'msg.queued': 'You are offline. The request is saved and will be sent when the connection returns.',
  'msg.invalid_card_number': 'The card number is not valid.',
  'msg.invalid_expiry': 'Enter the expiry date as MM/YY.',
  'msg.invalid_cvc': 'The security code is not valid.',
  'msg.invalid_payment_method': 'The card details expired. Please enter them again.',
  'msg.missing_card': 'Enter the card number, expiry date and security code.',
  'msg.order_not_found': 'This order could not be found.',
  'msg.session_not_found': 'This checkout could not be found.',
  'msg.missing_order': 'The checkout has no order to pay.',
  'msg.otherTab': 'This checkout is open in another window; it continues there.',
  'msg.unexpected': 'Something went wrong. Please retry.',
  'status.checking': 'Payment not confirmed yet',
  'status.declined': 'Payment declined',
  'status.paid_elsewhere': 'Order already paid',
  'status.unavailable': 'Checkout unavailable',
  'msg.preparing': 'Preparing your checkout…',
  'msg.expired.restart': 'This checkout expired before the payment. Nothing was charged: start a new checkout for this order.',
  'msg.maxRetries.restart': 'No more attempts are possible in this checkout. Nothing was charged: start a new checkout for this order.',
  'msg.maxRetries.processor': 'The payment processor kept failing and no attempts are left. Nothing was charged; please try again later.',
  'msg.reconnecting': 'The payment server cannot be reached. Trying again by itself; the payment continues as soon as it answers.',
  'msg.offline': 'You are offline. The payment continues by itself when the connection returns.',
  'msg.order_already_paid': 'This order is already paid (in another window or on another device). Nothing more to pay.',
  'msg.invalid_order_token': 'This checkout link is not valid. Go back to the shop and start the checkout again.',
  'msg.order_token_expired': 'This checkout link has expired. Go back to the shop and start the checkout again.',
  'msg.origin_not_allowed': 'This page may not use the payment server. The shop must allow this site.',
  'msg.expired_card': 'The card has expired.',
  'button.restart': 'Start a new checkout',
  'card.brand': 'Card brand: {brand}',
};

export type StringKey = keyof typeof en;
type Table = Partial<Record<StringKey, string>>;




export type { Table };

/** The loaded tables. English is in the entry; every other locale is a small chunk of its own, loaded when first used. */
export const STRINGS: Record<string, Table> = { en };
const LOADERS: Record<string, () => Promise<Table>> = { fr: () => import('./fr.js').then((m) => m.fr) };
export const SUPPORTED_LOCALES = ['en', ...Object.keys(LOADERS)];

/** `fr-CA` → `fr`; unknown → `en`. */
export function resolveLocale(wanted: string | null | undefined): string {
  const base = (wanted ?? '').toLowerCase().split(/[-_]/)[0];
  return base && SUPPORTED_LOCALES.includes(base) ? base : 'en';
}

const loading = new Map<string, Promise<void>>();

/** Whether a locale's table is here (English always is). */
export function localeLoaded(locale: string): boolean {
  return locale in STRINGS;
}

/** Loads a locale's table once; a failed load leaves English in its place. */
export function loadLocale(locale: string): Promise<void> {
  const load = LOADERS[locale];
  if (!load || localeLoaded(locale)) return Promise.resolve();
  let p = loading.get(locale);
  if (!p) {
    p = load().then((table) => void (STRINGS[locale] = table), () => void (STRINGS[locale] = {}));
    loading.set(locale, p);
  }
  return p;
}

export function translate(locale: string, key: string, params?: Record<string, string | number>): string {
  const table = STRINGS[locale] ?? en;
  const text = (table as Record<string, string | undefined>)[key] ?? (en as Record<string, string>)[key] ?? key;
  return params ? text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m)) : text;
}
