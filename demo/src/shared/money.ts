/** Money is integer minor units everywhere in the API; only the display divides. */

const formatters = new Map<string, Intl.NumberFormat>();

/** The page's language (`<html lang>`), as the widget speaks it: one way of writing money and dates on a page. */
export const pageLocale = (): string | undefined => document.documentElement.lang || undefined;

function formatter(currency: string): Intl.NumberFormat {
  const key = currency.toUpperCase();
  let f = formatters.get(key);
  if (!f) {
    try {
      f = new Intl.NumberFormat(pageLocale(), { style: 'currency', currency: key });
    } catch {
      f = new Intl.NumberFormat(pageLocale(), { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    }
    formatters.set(key, f);
  }
  return f;
}

/** `formatMoney(2499, 'usd')` → `$24.99` (in the page's locale). */
export function formatMoney(minor: number, currency: string): string {
  const f = formatter(currency);
  const digits = f.resolvedOptions().maximumFractionDigits ?? 2;
  return f.format(minor / 10 ** digits);
}
