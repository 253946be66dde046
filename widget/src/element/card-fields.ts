/**
 * Reads the built-in card inputs at the moment of paying. The values go straight into the token request and
 * nowhere else: not into state, storage, events, attributes or logs.
 */
import type { PaymentSource } from '../controller/outcomes.js';

export interface CardFieldValues {
  number: string;
  expiry: string;
  cvc: string;
}

/** `12/34`, `12 / 2034`, `1/34` → month and four-digit year; null when it is not a date. */
export function parseExpiry(text: string): { expMonth: number; expYear: number } | null {
  const m = /^\s*(\d{1,2})\s*\/?\s*(\d{2}|\d{4})\s*$/.exec(text);
  if (!m) return null;
  const expMonth = Number(m[1]);
  const expYear = m[2].length === 2 ? 2000 + Number(m[2]) : Number(m[2]);
  return expMonth >= 1 && expMonth <= 12 ? { expMonth, expYear } : null;
}

/** Light checks only (shape, not Luhn or the calendar): the processor's token route is the judge. */
export function paymentFromFields(v: CardFieldValues): PaymentSource {
  const number = v.number.replace(/[\s-]/g, '');
  const cvc = v.cvc.trim();
  if (!number || !v.expiry.trim() || !cvc) return { error: 'missing_card' };
  if (!/^\d{12,19}$/.test(number)) return { error: 'invalid_card_number' };
  const expiry = parseExpiry(v.expiry);
  if (!expiry) return { error: 'invalid_expiry' };
  if (!/^\d{3,4}$/.test(cvc)) return { error: 'invalid_cvc' };
  return { card: { number, ...expiry, cvc } };
}

/**
 * A slotted payment-method element (a real gateway's field) pays by token: it must offer `tokenize()`
 * resolving to a token string or `{token}`.
 */
export async function paymentFromSlotted(el: Element): Promise<PaymentSource | null> {
  const field = el as Element & { tokenize?: () => Promise<string | { token: string }> };
  if (typeof field.tokenize !== 'function') return null;
  try {
    const t = await field.tokenize();
    const token = typeof t === 'string' ? t : t?.token;
    return token ? { token } : { error: 'missing_card' };
  } catch {
    return { error: 'missing_card' };
  }
}
