/**
 * Offline checkout: the widget bundle and the self-contained checkout page are precached (revisions are content hashes
 * computed at build time by `sw/manifest.ts`), and navigations to `/checkout/*` fall back to that page when the network fails.
 *
 * On a merchant's origin the worker is the merchant's one-line file `importScripts('https://PAY_HOST/payment-sw.js')`:
 * `self.location` is then the merchant's file, while the widget lives on the payment server. So the manifest's URLs are
 * resolved against the payment server's origin (where this script came from), and the demo's checkout page, which is the
 * payment server's own page, is neither precached nor used for the merchant's navigations.
 */
import { cleanupOutdatedCaches, matchPrecache, precacheAndRoute, type PrecacheEntry } from 'workbox-precaching';
import { originFromStack, precacheEntries } from './origin.js';

declare const self: ServiceWorkerGlobalScope;
/** Replaced at build time (see sw/vite.config.ts). */
declare const __PRECACHE_MANIFEST__: PrecacheEntry[];

export const CHECKOUT_SHELL_URL = '/demo/checkout.html';
const CHECKOUT_PATH_PREFIX = '/checkout/';

/**
 * The payment server's origin: the origin of this script, read from a stack trace taken while it evaluates (the one place a
 * script pulled in by importScripts() learns its own URL). Equal to the worker's own when /payment-sw.js is registered directly.
 */
export const PAYMENT_ORIGIN = originFromStack(new Error().stack ?? '', self.location.origin);
/** True when the worker runs on the payment server's own origin (the demo storefront), false inside a merchant's shim. */
export const ON_PAYMENT_ORIGIN = PAYMENT_ORIGIN === self.location.origin;

export function setUpPrecache(): void {
  precacheAndRoute(precacheEntries(__PRECACHE_MANIFEST__, PAYMENT_ORIGIN, ON_PAYMENT_ORIGIN, CHECKOUT_SHELL_URL));
  cleanupOutdatedCaches();
}

export function isCheckoutNavigation(request: Request): boolean {
  if (!ON_PAYMENT_ORIGIN || request.mode !== 'navigate' || request.method !== 'GET') return false;
  const url = new URL(request.url);
  return url.origin === self.location.origin && url.pathname.startsWith(CHECKOUT_PATH_PREFIX);
}

/** Network first (the page is always fresh online); the precached shell when the network fails. */
export async function checkoutNavigation(request: Request): Promise<Response> {
  try {
    return await fetch(request);
  } catch (err) {
    const shell = await matchPrecache(CHECKOUT_SHELL_URL);
    if (shell) return shell;
    throw err;
  }
}
