/** The test processor's cards (demo/README.md "Try every flow"), as the checkout page explains them to a visitor. */

export interface TestCard {
  number: string;
  outcome: string;
  /** What the shopper sees in the widget. */
  shows: string;
  tone: 'ok' | 'warn' | 'danger' | 'info';
}

export const TEST_CARDS: TestCard[] = [
  { number: '4242 4242 4242 4242', outcome: 'Succeeds', shows: 'Payment completes; you land on the confirmation page.', tone: 'ok' },
  {
    number: '4000 0000 0000 0002',
    outcome: 'Declined',
    shows: '“Try another card” starts the next attempt; three declines end in “Max retries exceeded”.',
    tone: 'danger',
  },
  {
    number: '4000 0000 0000 9995',
    outcome: 'Declined: insufficient funds',
    shows: '“Try another card” starts the next attempt, counting one.',
    tone: 'danger',
  },
  {
    number: '4000 0000 0000 0119',
    outcome: 'Transient processor error',
    shows: 'Nothing charged; Retry (the same card, the next attempt) shows it again, a good card succeeds.',
    tone: 'warn',
  },
  {
    number: '4000 0000 0000 6975',
    outcome: 'Succeeds, but answers slowly',
    shows: 'The widget times out; the server reconciles and completes it once.',
    tone: 'info',
  },
  { number: '4000 0000 0000 0341', outcome: 'Succeeds, answer lost', shows: 'Outcome unknown at first; reconciled to a single charge.', tone: 'info' },
];

export const TEST_CARD_HINT = 'Use any future expiry (for example 12/34) and any 3-digit CVC (for example 123; 4 digits for Amex).';
