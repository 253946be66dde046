/** Card-number checks for the test processor's tokenisation: Luhn, brand, expiry and CVC, and the test cards' behaviours. */
import { AppError } from '../errors.js';

export type CardBehaviour = 'succeed' | 'decline' | 'insufficient_funds' | 'transient_error' | 'slow' | 'answer_lost';

/** docs/API.md "Test processor": deterministic outcomes by card number. Any other valid card succeeds. */
export const TEST_CARDS: Record<string, CardBehaviour> = {
  '4242424242424242': 'succeed',
  '4000000000000002': 'decline',
  '4000000000009995': 'insufficient_funds',
  '4000000000000119': 'transient_error',
  '4000000000006975': 'slow',
  '4000000000000341': 'answer_lost',
};

export function normaliseNumber(raw: string): string {
  return raw.replace(/[\s-]/g, '');
}

export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

export function brandOf(digits: string): string {
  if (/^4/.test(digits)) return 'visa';
  if (/^(5[1-5]|2[2-7])/.test(digits)) return 'mastercard';
  if (/^3[47]/.test(digits)) return 'amex';
  if (/^6(011|5)/.test(digits)) return 'discover';
  return 'unknown';
}

export interface CheckedCard {
  digits: string;
  brand: string;
  behaviour: CardBehaviour;
}

/** Validates a card; throws AppError invalid_card_number / invalid_expiry / invalid_cvc. `now` is for the expiry check. */
export function checkCard(card: { number: string; expMonth: number; expYear: number; cvc: string }, now: Date): CheckedCard {
  const digits = normaliseNumber(card.number);
  if (!/^\d{12,19}$/.test(digits) || !luhnValid(digits)) throw new AppError('invalid_card_number');
  const year = card.expYear < 100 ? 2000 + card.expYear : card.expYear;
  if (!Number.isInteger(card.expMonth) || card.expMonth < 1 || card.expMonth > 12 || !Number.isInteger(year) || year > now.getUTCFullYear() + 50) {
    throw new AppError('invalid_expiry');
  }
  // A card is valid through the last day of its expiry month.
  const endOfMonth = Date.UTC(year, card.expMonth, 1);
  if (endOfMonth <= now.getTime()) throw new AppError('invalid_expiry');
  const brand = brandOf(digits);
  const cvcLength = brand === 'amex' ? 4 : 3;
  if (!new RegExp(`^\\d{${cvcLength}}$`).test(card.cvc)) throw new AppError('invalid_cvc');
  return { digits, brand, behaviour: TEST_CARDS[digits] ?? 'succeed' };
}
