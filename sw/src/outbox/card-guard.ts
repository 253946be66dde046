/**
 * Card data never reaches the outbox (contract §4). Session routes carry processor tokens, not card numbers,
 * so this is a last line of defence: a body with something that looks like a card number is never stored.
 */

/** 13–19 digits, optionally grouped by spaces or dashes, passing the Luhn check (so order ids and amounts do not match). */
export function containsCardNumber(text: string): boolean {
  const runs = text.match(/\d(?:[ -]?\d){12,18}/g) ?? [];
  return runs.some((run) => luhn(run.replace(/[ -]/g, '')));
}

function luhn(digits: string): boolean {
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
