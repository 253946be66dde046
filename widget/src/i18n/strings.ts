/**
 * Every string the widget shows, by locale: `en.ts` (complete, and the fallback for a key missing in another locale)
 * and `fr.ts`. Each is a small chunk of its own, loaded when the widget first speaks it; until it is here the widget
 * shows what it can say in the words of `FIRST`, which the entry carries, else its preparing view: never a blank box,
 * never a key.
 * `{name}` placeholders are filled from params.
 */
import type { en } from './en.js';

export type StringKey = keyof typeof en;
export type Table = Partial<Record<StringKey, string>>;

/**
 * The preparing view's words (the status line, the message, the card fields' labels) in each locale, and the view's
 * when the words cannot be loaded at all. Any other view waits for its locale's chunk (precached by the worker; a few
 * ms) and shows the preparing view meanwhile.
 */
export const FIRST: Record<string, Table> = {
  en: {
    'status.idle': 'Preparing checkout…',
    'msg.preparing': 'Preparing your checkout…',
    'label.cardNumber': 'Card number',
    'label.expiry': 'Expiry (MM/YY)',
    'placeholder.expiry': 'MM/YY',
    'label.cvc': 'Security code (CVC)',
    'status.unavailable': 'Checkout unavailable',
    'msg.unloaded': 'The checkout could not load. Reload the page.',
  },
  fr: {
    'status.idle': 'Préparation du paiement…',
    'msg.preparing': 'Préparation de votre paiement…',
    'label.cardNumber': 'Numéro de carte',
    'label.expiry': 'Expiration (MM/AA)',
    'placeholder.expiry': 'MM/AA',
    'label.cvc': 'Code de sécurité (CVC)',
    'status.unavailable': 'Paiement indisponible',
    'msg.unloaded': 'Le paiement n’a pas pu se charger. Rechargez la page.',
  },
};

/** The loaded tables, by locale. */
export const STRINGS: Record<string, Table> = {};
const LOADERS: Record<string, () => Promise<Table>> = { en: () => import('./en.js').then((m) => m.en), fr: () => import('./fr.js').then((m) => m.fr) };
export const SUPPORTED_LOCALES = Object.keys(LOADERS);

/** `fr-CA` → `fr`; unknown → `en`. */
export function resolveLocale(wanted: string | null | undefined): string {
  const base = (wanted ?? '').toLowerCase().split(/[-_]/)[0];
  return base && SUPPORTED_LOCALES.includes(base) ? base : 'en';
}

const loading = new Map<string, Promise<void>>();

/**
 * Starts fetching a locale's chunk now, when the entry runs, so that it arrives while the widget reads its session from
 * IndexedDB rather than after. Only the fetch: the table counts once `loadLocale` has it (a failed fetch is tried again there).
 */
export function prefetchLocale(wanted: string | null | undefined): void {
  LOADERS[resolveLocale(wanted)]!().catch(() => {});
}

/** Whether a locale's table is here. */
export function localeLoaded(locale: string): boolean {
  return locale in STRINGS;
}

/**
 * Loads a locale's table once. A failed load leaves English in its place; when English cannot be loaded either, the
 * load is forgotten, to be tried again at the next call (the widget keeps its preparing view until then).
 */
export function loadLocale(locale: string): Promise<void> {
  if (!LOADERS[locale] || localeLoaded(locale)) return Promise.resolve();
  let p = loading.get(locale);
  if (!p) {
    const failed = async () => {
      if (locale !== 'en') await loadLocale('en');
      if (localeLoaded('en')) STRINGS[locale] = {};
      else loading.delete(locale);
    };
    p = LOADERS[locale]!().then((table) => void (STRINGS[locale] = table), failed);
    loading.set(locale, p);
  }
  return p;
}

export function translate(locale: string, key: string, params?: Record<string, string | number>): string {
  // The locale's own words first (its table, else those the entry carries), then English.
  const text = STRINGS[locale]?.[key as StringKey] ?? FIRST[locale]?.[key as StringKey] ?? STRINGS.en?.[key as StringKey] ?? key;
  return params ? text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m)) : text;
}
