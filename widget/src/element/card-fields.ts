/**
 * The built-in card inputs: formatting as typed (number grouped 4-4-4-4, Amex 4-6-5; expiry `1234` → `12/34`), the brand
 * of the number, and the checks made when paying. The values go straight into the token request and nowhere else: not
 * into state, storage, events, attributes or logs. A chunk of its own, loaded by `card-input.ts`.
 */
import type { PaymentSource } from '../controller/outcomes.js';
import type { CardBrand, CardFieldValues } from './card-input.js';

export type { CardBrand, CardFieldValues } from './card-input.js';

/** The brand by the number's first digits (IIN ranges), or null while it cannot be told. */
export function brandOf(number: string): CardBrand {
  const d = number.replace(/\D/g, '');
  if (/^4/.test(d)) return 'visa';
  if (/^3[47]/.test(d)) return 'amex';
  if (/^(5[1-5]|2(2[2-9]|[3-6]\d|7[01]|720))/.test(d)) return 'mastercard';
  if (/^(6011|65|64[4-9])/.test(d)) return 'discover';
  return null;
}

/** How many digits the security code of a brand has, [fewest, most]: 4 for Amex, 3 for the others, 3 or 4 while it cannot be told. */
function cvcDigits(brand: CardBrand): [number, number] {
  return brand === 'amex' ? [4, 4] : brand ? [3, 3] : [3, 4];
}

/** Digits grouped as printed on the card: 4-6-5 for Amex, groups of 4 otherwise; at most 19 digits. */
export function formatCardNumber(text: string): string {
  const d = text.replace(/\D/g, '').slice(0, 19);
  const groups = brandOf(d) === 'amex' ? [4, 6, 5] : [4, 4, 4, 4, 3];
  const out: string[] = [];
  let at = 0;
  for (const size of groups) {
    if (at >= d.length) break;
    out.push(d.slice(at, at + size));
    at += size;
  }
  return out.join(' ');
}

/** `1234` → `12/34`, `4` → `04/` is not guessed: only a month that cannot take a second digit (2-9) gets its 0. */
export function formatExpiry(text: string, deleting = false): string {
  let d = text.replace(/\D/g, '').slice(0, 4);
  if (/^[2-9]$/.test(d)) d = `0${d}`;
  if (d.length < 2) return d;
  if (d.length === 2) return deleting ? d : `${d}/`;
  return `${d.slice(0, 2)}/${d.slice(2)}`;
}

/** `12/34`, `12 / 2034`, `1/34` → month and four-digit year; null when it is not a date. */
export function parseExpiry(text: string): { expMonth: number; expYear: number } | null {
  const m = /^\s*(\d{1,2})\s*\/?\s*(\d{2}|\d{4})\s*$/.exec(text);
  if (!m) return null;
  const expMonth = Number(m[1]);
  const expYear = m[2]!.length === 2 ? 2000 + Number(m[2]) : Number(m[2]);
  return expMonth >= 1 && expMonth <= 12 ? { expMonth, expYear } : null;
}

/** Light checks (shape, and a month already past): the processor's token route is the judge. */
export function paymentFromFields(v: CardFieldValues, today: Date = new Date()): PaymentSource {
  const number = v.number.replace(/[\s-]/g, '');
  const cvc = v.cvc.trim();
  if (!number || !v.expiry.trim() || !cvc) return { error: 'missing_card' };
  if (!/^\d{12,19}$/.test(number)) return { error: 'invalid_card_number' };
  const expiry = parseExpiry(v.expiry);
  if (!expiry) return { error: 'invalid_expiry' };
  if (expiry.expYear * 12 + expiry.expMonth < today.getFullYear() * 12 + today.getMonth() + 1) return { error: 'expired_card' };
  const [fewest, most] = cvcDigits(brandOf(number));
  if (!/^\d+$/.test(cvc) || cvc.length < fewest || cvc.length > most) return { error: 'invalid_cvc' };
  return { card: { number, ...expiry, cvc } };
}

/**
 * An `input` event of a card field (its input and `inputType`): the number grouped, the expiry formatted and the security
 * code kept to its brand's digits as typed, the caret kept after the same digit. Returns the number's brand (undefined for
 * other fields).
 */
export function formatAsTyped(input: HTMLInputElement, inputType = ''): CardBrand | undefined {
  if (input.id === 'cc-number') {
    reformat(input, formatCardNumber(input.value));
    return brandOf(input.value);
  }
  if (input.id === 'cc-exp') reformat(input, formatExpiry(input.value, inputType.startsWith('delete')));
  if (input.id === 'cc-csc') {
    // Digits only, at most as many as the brand's code has (the number is the field beside it).
    const number = (input.getRootNode() as ParentNode).querySelector<HTMLInputElement>('#cc-number')?.value ?? '';
    reformat(input, input.value.replace(/\D/g, '').slice(0, cvcDigits(brandOf(number))[1]));
  }
  return undefined;
}

/** Puts the formatted text in, with the caret after as many digits as before it. */
function reformat(input: HTMLInputElement, text: string): void {
  if (input.value === text) return;
  const caret = input.selectionStart ?? input.value.length;
  const digitsBefore = input.value.slice(0, caret).replace(/\D/g, '').length;
  input.value = text;
  let at = 0;
  for (let seen = 0; at < text.length && seen < digitsBefore; at++) if (/\d/.test(text[at]!)) seen++;
  if (text[at] === '/' || text[at] === ' ') at++;
  input.setSelectionRange(at, at);
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
