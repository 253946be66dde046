/**
 * What the element needs of the card fields before the shopper types: the brand names and, for `missing_card`, the
 * first empty field. Formatting and the checks made when paying (`card-fields.ts`) are a chunk of their own, loaded
 * right after the first render (the worker precaches it too) and awaited on the first input or Pay.
 */
import { lazy } from '../lazy.js';

export interface CardFieldValues {
  number: string;
  expiry: string;
  cvc: string;
}

export type CardBrand = 'visa' | 'mastercard' | 'amex' | 'discover' | null;

export const BRAND_NAMES: Record<Exclude<CardBrand, null>, string> = { visa: 'Visa', mastercard: 'Mastercard', amex: 'American Express', discover: 'Discover' };

/** The first empty field, for `missing_card`: that is the one to fill. */
export function missingField(v: CardFieldValues): 'number' | 'expiry' | 'cvc' {
  return !v.number.trim() ? 'number' : !v.expiry.trim() ? 'expiry' : 'cvc';
}

/** The card fields' chunk (`card-fields.ts`). */
export const cardFields = lazy(() => import('./card-fields.js'));
